"""``/login`` and ``/logout``: the sign-in form, its throttle, and signing out."""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import access
from shopbridge.domain.access import LoginThrottle
from shopbridge.web.api import services_of
from shopbridge.web.auth import start_session
from shopbridge.web.dashboard import templates

__all__ = ["routes"]


def _next_page(raw: object) -> str:
    """Where to go after signing in: a path on this site only (never ``//elsewhere`` or a URL)."""
    target = str(raw or "/")
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def _form(request: Request, message: str = "", status: int = 200, name: str = "") -> Response:
    context = {"message": message, "next": _next_page(request.query_params.get("next")), "name": name}
    return templates.TemplateResponse(request, "login.html", context, status_code=status)


def login_page(request: Request) -> Response:
    return _form(request)


def _throttle(request: Request) -> LoginThrottle:
    web = services_of(request).settings.web
    return LoginThrottle(max_failures=web.login_max_failures, window_seconds=web.login_window_minutes * 60)


async def login(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    client = request.client.host if request.client else "unknown"
    services = services_of(request)
    try:
        user = await run_in_threadpool(
            access.sign_in, services, name, password, client=client, throttle=_throttle(request)
        )
    except access.SignInRefused as exc:
        return _form(request, str(exc), 429, name)
    except access.BadCredentials as exc:
        return _form(request, str(exc), 401, name)
    lifetime = timedelta(hours=services.settings.web.session_hours)
    session_id = await run_in_threadpool(access.start_session, services, user, lifetime=lifetime)
    start_session(request, user, now=services.clock.now().timestamp(), session_id=session_id)
    return RedirectResponse(_next_page(form.get("next")), status_code=303)


async def logout(request: Request) -> Response:
    """Sign out: the session's record is revoked, so a copy of this cookie stops working too."""
    session_id = request.session.get("sid")
    if isinstance(session_id, str) and session_id:
        await run_in_threadpool(access.end_session, services_of(request), session_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login_page, methods=["GET"], name="login"),
        Route("/login", login, methods=["POST"], name="login_submit"),
        Route("/logout", logout, methods=["POST"], name="logout"),
    ]
