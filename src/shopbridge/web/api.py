"""The JSON API the dashboard's buttons (and scripts) call: status, problems, jobs, health.

Errors answer ``{"error": "..."}``: 400 for a bad request, 404 for an unknown id, 409 when the
action does not apply in the current state. POSTs must be ``application/json``: a browser cannot
send that cross-site without a CORS preflight (which we never grant), so no page elsewhere can
make a logged-in operator's browser resolve problems.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import admin
from shopbridge.bootstrap import Services
from shopbridge.errors import BadInput

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


def _actor(body: dict[str, Any]) -> str:
    actor = str(body.get("actor") or "").strip()
    if not actor:
        raise BadInput('say who is acting: {"actor": "name"}')
    return actor


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
    return [admin.problem_json(p) for p in found]


def get_problem(request: Request) -> Response:
    problem_id = int(request.path_params["problem_id"])
    return _guarded(lambda: admin.problem_json(admin.get_problem(services_of(request), problem_id)))


async def post_resolve(request: Request) -> Response:
    return await _act(request, _resolve)


async def post_ignore(request: Request) -> Response:
    return await _act(request, _ignore)


async def post_replay(request: Request) -> Response:
    return await _act(request, _replay)


async def _act(
    request: Request, action: Callable[[Services, int, dict[str, Any]], dict[str, Any]]
) -> Response:
    """Parse the body here (async), then run the blocking store call in the thread pool."""
    try:
        body = await _body(request)
    except BadInput as exc:
        return _error(400, str(exc))
    item_id = int(next(iter(request.path_params.values())))
    services = services_of(request)
    return await run_in_threadpool(_guarded, lambda: action(services, item_id, body))


def _resolve(services: Services, problem_id: int, body: dict[str, Any]) -> dict[str, Any]:
    admin.resolve_problem(services, problem_id, actor=_actor(body), note=str(body.get("note") or ""))
    return {"ok": True, "problem": admin.problem_json(admin.get_problem(services, problem_id))}


def _ignore(services: Services, problem_id: int, body: dict[str, Any]) -> dict[str, Any]:
    admin.ignore_problem(services, problem_id, actor=_actor(body), reason=str(body.get("reason") or ""))
    return {"ok": True, "problem": admin.problem_json(admin.get_problem(services, problem_id))}


def _replay(services: Services, job_id: int, body: dict[str, Any]) -> dict[str, Any]:
    admin.replay_job(services, job_id, actor=_actor(body))
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
    ]
