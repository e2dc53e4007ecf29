"""The dashboard: server-rendered pages of the queue, open problems by team, and one problem."""

from __future__ import annotations

from datetime import datetime

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from shopbridge import access, admin
from shopbridge.domain.access import Role
from shopbridge.domain.problems import ProblemKind
from shopbridge.problem_actions import retryable
from shopbridge.web.api import services_of
from shopbridge.web.auth import Forbidden, forbidden_response, page_context, require
from shopbridge.web.links import runbook_url
from shopbridge.web.masking import problem_for

__all__ = ["routes"]

_DEAD_JOBS_SHOWN = 100


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("shopbridge.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["age"] = _age
    env.filters["when"] = _when
    return Jinja2Templates(env=env, context_processors=[page_context])


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def _age(seconds: float | None) -> str:
    """A short human age: 42s, 7m, 3h, 2d."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


templates = _templates()


def index(request: Request) -> Response:
    services = services_of(request)
    report = admin.status(services)
    context = {
        "now": report.as_of,
        "queue": report.queue,
        "problems_by_team": [
            (team, [problem_for(p, revealed=False) for p in found])
            for team, found in admin.open_problems_by_team(services)
        ],
        "dead_jobs": admin.list_jobs(services, state="dead", limit=_DEAD_JOBS_SHOWN),
    }
    return templates.TemplateResponse(request, "dashboard.html", context)


def problem_detail(request: Request) -> Response:
    return _problem_page(request, revealed=False)


def problem_reveal(request: Request) -> Response:
    """The problem with its personal data shown: admins only, and audited."""
    try:
        user = require(request, Role.ADMIN)
    except Forbidden as exc:
        return forbidden_response(request, str(exc))
    response = _problem_page(request, revealed=True)
    if response.status_code == 200:
        access.audit_reveal(services_of(request), user, int(request.path_params["problem_id"]))
    return response


def _problem_page(request: Request, *, revealed: bool) -> Response:
    services = services_of(request)
    try:
        problem = admin.get_problem(services, int(request.path_params["problem_id"]))
    except admin.NotFound as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    context = {
        "problem": problem_for(problem, revealed=revealed),
        "revealed": revealed,
        "advice": ProblemKind(problem.kind).advice,
        "runbook": runbook_url(ProblemKind(problem.kind)),
        "retryable": retryable(problem),
    }
    return templates.TemplateResponse(request, "problem.html", context)


def routes() -> list[BaseRoute]:
    return [
        Route("/", index, name="dashboard"),
        Route("/problems/{problem_id:int}", problem_detail, name="problem_detail"),
        Route("/problems/{problem_id:int}/reveal", problem_reveal, methods=["POST"], name="problem_reveal"),
    ]
