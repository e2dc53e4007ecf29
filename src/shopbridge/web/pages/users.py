"""The users page, for admins: who may sign in, as what, and a button that ends every dashboard
session of a user at once (``access.revoke_sessions``, audited; the same as ``shopbridge users
revoke-sessions``). Adding, disabling and tokens stay on the command line, where passwords are typed."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import access
from shopbridge.admin import NotFound
from shopbridge.domain.access import Role
from shopbridge.web.api import services_of
from shopbridge.web.auth import Forbidden, forbidden_response, require
from shopbridge.web.dashboard import templates

__all__ = ["routes"]


def users_page(request: Request) -> Response:
    try:
        require(request, Role.ADMIN)
    except Forbidden as exc:
        return forbidden_response(request, str(exc))
    context = {
        "users": access.list_users(services_of(request)),
        "ended": request.query_params.get("ended", ""),
        "ended_user": request.query_params.get("user", ""),
    }
    return templates.TemplateResponse(request, "users.html", context)


async def revoke_sessions(request: Request) -> Response:
    try:
        admin = require(request, Role.ADMIN)
    except Forbidden as exc:
        return forbidden_response(request, str(exc))
    name = request.path_params["name"]
    try:
        ended = await run_in_threadpool(access.revoke_sessions, services_of(request), name, actor=admin.name)
    except NotFound as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    return RedirectResponse(f"/users?{urlencode({'user': name, 'ended': ended})}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/users", users_page, name="users"),
        Route(
            "/users/{name}/revoke-sessions", revoke_sessions, methods=["POST"], name="user_revoke_sessions"
        ),
    ]
