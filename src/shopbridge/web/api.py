"""The JSON API the dashboard's buttons (and scripts) call: status, problems, jobs, health.

Every route but ``/healthz`` needs sign-in (a session, or ``Authorization: Bearer <API token>``;
see :mod:`shopbridge.web.auth`); actions need the operator role and are audited with the signed-in
user's name. Personal data in problems is masked; an admin may ask for it with ``?reveal=1``, and
each reveal is audited.

Errors answer ``{"error": "..."}``: 400 for a bad request, 401 when not signed in, 403 when the role
does not allow it or the CSRF token is missing, 404 for an unknown id, 409 when the action does not
apply in the current state. POSTs must be ``application/json``: a browser cannot send that
cross-site without a CORS preflight (which we never grant).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import access, admin
from shopbridge.access import User
from shopbridge.bootstrap import Services
from shopbridge.domain.access import Role
from shopbridge.domain.problems import Problem
from shopbridge.errors import BadInput
from shopbridge.web.auth import Forbidden, require
from shopbridge.web.masking import problem_for

__all__ = ["healthz", "routes"]


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _guarded(action: Callable[[], Any]) -> Response:
    """Run ``action``; map our refusals to their HTTP status."""
    try:
        result = action()
    except Forbidden as exc:
        return _error(403, str(exc))
    except admin.NotFound as exc:
        return _error(404, str(exc))
    except admin.Refused as exc:
        return _error(409, str(exc))
    except BadInput as exc:
        return _error(400, str(exc))
    return result if isinstance(result, Response) else JSONResponse(result)


async def _body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadInput("send the request body as application/json")
    try:
        data = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as exc:
        raise BadInput(f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    return data


def _limit(request: Request, default: int) -> int:
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise BadInput(f"limit must be a positive whole number, got {raw!r}")
    return int(raw)


def get_status(request: Request) -> Response:
    return JSONResponse(admin.status(services_of(request)).to_json())


def get_problems(request: Request) -> Response:
    return _guarded(lambda: _problems(request))


def _problems(request: Request) -> list[dict[str, Any]]:
    query = request.query_params
    status = query.get("status", "open")
    found = admin.list_problems(
        services_of(request),
        team=query.get("team"),
        severity=query.get("severity"),
        status=None if status == "all" else status,
        kind=query.get("kind"),
        limit=_limit(request, 100),
    )
    return [_problem_json(p) for p in found]


def _problem_json(problem: Problem) -> dict[str, Any]:
    return admin.problem_json(problem_for(problem, revealed=False))


def get_problem(request: Request) -> Response:
    return _guarded(lambda: _problem(request))


def _problem(request: Request) -> dict[str, Any]:
    services = services_of(request)
    problem = admin.get_problem(services, int(request.path_params["problem_id"]))
    if request.query_params.get("reveal", "") not in ("1", "true"):
        return _problem_json(problem)
    user = require(request, Role.ADMIN)
    access.audit_reveal(services, user, problem.id)
    return admin.problem_json(problem_for(problem, revealed=True))


async def post_resolve(request: Request) -> Response:
    return await _act(request, _resolve)


async def post_ignore(request: Request) -> Response:
    return await _act(request, _ignore)


async def post_replay(request: Request) -> Response:
    return await _act(request, _replay)


async def post_retry(request: Request) -> Response:
    return await _act(request, _retry)


_Action = Callable[[Services, int, User, dict[str, Any]], dict[str, Any]]


async def _act(request: Request, action: _Action) -> Response:
    """Check the role, parse the body here (async), then run the blocking store call in the thread pool."""
    try:
        user = require(request, Role.OPERATOR)
        body = await _body(request)
    except Forbidden as exc:
        return _error(403, str(exc))
    except BadInput as exc:
        return _error(400, str(exc))
    item_id = int(next(iter(request.path_params.values())))
    services = services_of(request)
    return await run_in_threadpool(_guarded, lambda: action(services, item_id, user, body))


def _resolve(services: Services, problem_id: int, user: User, body: dict[str, Any]) -> dict[str, Any]:
    admin.resolve_problem(services, problem_id, actor=user.name, note=str(body.get("note") or ""))
    return {"ok": True, "problem": _problem_json(admin.get_problem(services, problem_id))}


def _ignore(services: Services, problem_id: int, user: User, body: dict[str, Any]) -> dict[str, Any]:
    admin.ignore_problem(services, problem_id, actor=user.name, reason=str(body.get("reason") or ""))
    return {"ok": True, "problem": _problem_json(admin.get_problem(services, problem_id))}


def _replay(services: Services, job_id: int, user: User, body: dict[str, Any]) -> dict[str, Any]:
    admin.replay_job(services, job_id, actor=user.name)
    return {"ok": True, "job": admin.job_json(admin.get_job(services, job_id))}


def _retry(services: Services, job_id: int, user: User, body: dict[str, Any]) -> dict[str, Any]:
    admin.retry_job(services, job_id, actor=user.name)
    return {"ok": True, "job": admin.job_json(admin.get_job(services, job_id))}


def get_jobs(request: Request) -> Response:
    return _guarded(lambda: _jobs(request))


def _jobs(request: Request) -> list[dict[str, Any]]:
    query = request.query_params
    found = admin.list_jobs(
        services_of(request), state=query.get("state"), kind=query.get("kind"), limit=_limit(request, 50)
    )
    return [admin.job_json(job) for job in found]


def healthz(request: Request) -> Response:
    """200 when the store answers; 503 with the reason otherwise (for load balancers and systemd)."""
    try:
        admin.ping(services_of(request))
    except Exception as exc:  # any failure to reach the store means "unhealthy", whatever its type
        return JSONResponse({"ok": False, "error": type(exc).__name__}, status_code=503)
    return JSONResponse({"ok": True})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/status", get_status, name="api_status"),
        Route("/api/problems", get_problems, name="api_problems"),
        Route("/api/problems/{problem_id:int}", get_problem, name="api_problem"),
        Route(
            "/api/problems/{problem_id:int}/resolve",
            post_resolve,
            methods=["POST"],
            name="api_problem_resolve",
        ),
        Route(
            "/api/problems/{problem_id:int}/ignore", post_ignore, methods=["POST"], name="api_problem_ignore"
        ),
        Route("/api/jobs", get_jobs, name="api_jobs"),
        Route("/api/jobs/{job_id:int}/replay", post_replay, methods=["POST"], name="api_job_replay"),
        Route("/api/jobs/{job_id:int}/retry", post_retry, methods=["POST"], name="api_job_retry"),
    ]
