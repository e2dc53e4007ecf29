"""Sign-in for the dashboard, the JSON API and ``/metrics``: who is asking, and may they?

Every request passes :class:`AccessMiddleware`, which denies by default: only the paths in
:data:`PUBLIC_PATHS` and :data:`PUBLIC_PREFIXES` (Shopify's signed webhook intake, the health check,
static files and the sign-in page itself) are served to nobody in particular. Everything else needs

* a session cookie (signed with ``[web] session_secret`` by Starlette's ``SessionMiddleware``;
  HttpOnly, SameSite=Lax, Secure when configured), set by signing in at ``/login``; or
* an ``Authorization: Bearer <token>`` header carrying an API token (``shopbridge users token``).

Each session is also kept server side (``web_sessions``): the cookie carries its id, and it is looked
up with the user on every request, so signing out, disabling the user or an admin's "revoke
sessions" ends it at once, even for a copy of the cookie whose signature is still valid. A state-
changing request (any method but GET, HEAD, OPTIONS) needs the operator role, and, when it rides on
the session cookie, the session's CSRF token in the ``X-CSRF-Token`` header or a ``csrf_token`` form
field (the synchroniser-token pattern). Bearer requests need no CSRF token: a browser never adds
that header to a request another site makes.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopbridge import access
from shopbridge.access import User
from shopbridge.bootstrap import Services
from shopbridge.domain.access import Role

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "PUBLIC_PATHS",
    "PUBLIC_PREFIXES",
    "AccessMiddleware",
    "Forbidden",
    "csrf_token",
    "current_user",
    "forbidden_response",
    "page_context",
    "require",
    "start_session",
]

PUBLIC_PATHS = frozenset({"/healthz", "/login"})
PUBLIC_PREFIXES = ("/static/", "/webhooks/")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Unsafe requests any signed-in user may make (signing out); the rest need an operator.
_ANY_ROLE_ACTIONS = frozenset({"/logout"})
_FORM_LIMIT = 64 * 1024
_FORM_TYPE = "application/x-www-form-urlencoded"


class Forbidden(Exception):
    """The signed-in user's role does not allow this."""


def current_user(request: HTTPConnection) -> User | None:
    user: User | None = getattr(request.state, "user", None)
    return user


def require(request: HTTPConnection, role: Role) -> User:
    """The signed-in user, if their role includes ``role``; raises :class:`Forbidden` otherwise."""
    user = current_user(request)
    if user is None or not user.may(role):
        raise Forbidden(f"this needs the {role} role")
    return user


def csrf_token(request: HTTPConnection) -> str:
    """This session's CSRF token, made on first use (pages put it in forms and a meta tag)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def start_session(request: Request, user: User, *, now: float, session_id: str = "") -> None:
    """A fresh session for ``user``: the old one (and its CSRF token) is dropped, not upgraded.

    ``session_id`` names its server-side record (:func:`shopbridge.access.start_session`); a cookie
    without one is refused, however well signed.
    """
    request.session.clear()
    request.session.update(
        {"user": user.name, "since": now, "csrf": secrets.token_urlsafe(32), "sid": session_id}
    )


def page_context(request: Request) -> dict[str, object]:
    """What every page's template sees: the signed-in user and the CSRF token for its forms."""
    return {"user": current_user(request), "csrf_token": csrf_token(request)}


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class AccessMiddleware:
    """Identify the caller, refuse the anonymous, the unauthorised and requests without CSRF token."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        user, by_token, refusal = await self._identify(request)
        if _is_public(request.url.path) and user is None:
            refusal = None  # a bad token does not stop a health check
        scope.setdefault("state", {})["user"] = user
        if refusal is None:
            refusal = _authorise(request, user)
        if refusal is None and request.method not in _SAFE_METHODS and not by_token:
            receive, refusal = await _check_csrf(request, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _identify(self, request: Request) -> tuple[User | None, bool, Response | None]:
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            user = None
            if scheme.lower() == "bearer":
                user = await run_in_threadpool(access.user_for_token, self.services, token.strip())
            if user is None:
                return None, True, _unauthenticated(request, "the API token is not valid")
            return user, True, None
        name = request.session.get("user")
        if not isinstance(name, str):
            return None, False, None
        if self._expired(request.session.get("since")):
            request.session.clear()
            return None, False, None
        session_id = request.session.get("sid")
        user = None
        if isinstance(session_id, str) and session_id:
            user = await run_in_threadpool(access.session_user, self.services, name, session_id)
        if user is None:
            request.session.clear()  # signed out, revoked, or a disabled or deleted user: end it
        return user, False, None

    def _expired(self, since: object) -> bool:
        """A sign-in lasts ``session_hours`` from the moment it was made, however often it is used."""
        if not isinstance(since, int | float):
            return True
        lifetime = self.services.settings.web.session_hours * 3600
        return self.services.clock.now().timestamp() - since > lifetime


def _authorise(request: Request, user: User | None) -> Response | None:
    path = request.url.path
    if _is_public(path):
        return None
    if user is None:
        return _unauthenticated(request, "sign in first")
    needs_operator = request.method not in _SAFE_METHODS and path not in _ANY_ROLE_ACTIONS
    if needs_operator and not user.may(Role.OPERATOR):
        return forbidden_response(request, f"{user.name} is a {user.role}; this needs the operator role")
    return None


def _wants_json(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith("/api/") or path == "/metrics" or "application/json" in accept


def _unauthenticated(request: Request, message: str) -> Response:
    if _wants_json(request) or request.method not in _SAFE_METHODS:
        headers = {"WWW-Authenticate": 'Bearer realm="shopbridge"'}
        return JSONResponse({"error": message}, status_code=401, headers=headers)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def forbidden_response(request: Request, message: str) -> Response:
    if _wants_json(request) or request.method not in _SAFE_METHODS:
        return JSONResponse({"error": message}, status_code=403)
    return Response(message, status_code=403, media_type="text/plain")


async def _check_csrf(request: Request, receive: Receive) -> tuple[Receive, Response | None]:
    """Compare the session's token with the header or form field; the body is replayed downstream."""
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(_FORM_TYPE):
        body = await _read_body(receive)
        receive = _replay(body)
        given = parse_qs(body.decode("latin-1")).get(CSRF_FIELD, [""])[0]
    if isinstance(expected, str) and expected and hmac.compare_digest(given, expected):
        return receive, None
    message = "the form has expired or did not come from this site (CSRF token missing or wrong); reload"
    return receive, JSONResponse({"error": message}, status_code=403)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _FORM_LIMIT:
            break  # too big for a form of ours: the token is not in what we kept, so it is refused
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
