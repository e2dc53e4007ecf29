"""The problems inbox: filter, read what happened and what to do, retry / resolve / ignore, in bulk.

Single actions are buttons calling the JSON API (``/api/problems/{id}/retry|resolve|ignore``); the
bulk form posts here with the session's CSRF token, and answers with a redirect back to the same
filtered list (so a reload never repeats it). Operators only; every action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import admin, problem_actions
from shopbridge.domain.access import Role
from shopbridge.domain.problems import Problem, ProblemKind, ProblemStatus, Severity, Team
from shopbridge.errors import BadInput
from shopbridge.web.api import services_of
from shopbridge.web.auth import Forbidden, forbidden_response, require
from shopbridge.web.dashboard import templates
from shopbridge.web.links import runbook_url
from shopbridge.web.masking import problem_for

__all__ = ["Filters", "find", "routes"]

_SHOWN = 500
_FILTER_NAMES = ("team", "severity", "kind", "entity", "status")


@dataclass(frozen=True)
class Filters:
    """The inbox's filters, as the query string gives them (empty: any)."""

    team: str = ""
    severity: str = ""
    kind: str = ""
    entity: str = ""
    status: str = ProblemStatus.OPEN.value

    @classmethod
    def of(cls, values: dict[str, str]) -> Filters:
        found = {name: values.get(name, "").strip() for name in _FILTER_NAMES}
        found["status"] = found["status"] or ProblemStatus.OPEN.value
        return cls(**found)

    def query(self) -> str:
        return urlencode({name: getattr(self, name) for name in _FILTER_NAMES if getattr(self, name)})


def find(services: admin.Services, filters: Filters) -> list[Problem]:
    """Problems matching ``filters``; the entity filter matches the entity's type or part of its id."""
    found = admin.list_problems(
        services,
        team=filters.team or None,
        severity=filters.severity or None,
        kind=filters.kind or None,
        status=None if filters.status == "all" else filters.status,
        limit=_SHOWN,
    )
    needle = filters.entity.lower()
    if needle:
        found = [p for p in found if needle == p.entity_type or needle in p.entity_id.lower()]
    return found


def inbox(request: Request) -> Response:
    services = services_of(request)
    filters = Filters.of(dict(request.query_params))
    try:
        found = find(services, filters)
    except BadInput as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    rows = [
        {
            "problem": problem_for(p, revealed=False),
            "advice": p.kind.advice,
            "runbook": runbook_url(p.kind),
            "retryable": problem_actions.retryable(p),
        }
        for p in found
    ]
    context = {
        "rows": rows,
        "filters": filters,
        "teams": [t.value for t in Team],
        "severities": [s.value for s in Severity],
        "kinds": sorted(k.value for k in ProblemKind),
        "statuses": [*(s.value for s in ProblemStatus), "all"],
        "outcome": {k: request.query_params.get(k, "") for k in ("done", "refused", "action")},
        "filter_query": filters.query(),
    }
    return templates.TemplateResponse(request, "inbox.html", context)


async def bulk(request: Request) -> Response:
    """Apply one action to the problems ticked in the filtered list; back to the list with the count."""
    try:
        user = require(request, Role.OPERATOR)
    except Forbidden as exc:
        return forbidden_response(request, str(exc))
    form = await request.form()
    action = str(form.get("action", ""))
    reason = str(form.get("reason", ""))
    ids = [int(v) for v in form.getlist("problem_id") if isinstance(v, str) and v.isdigit()]
    back = str(form.get("filters", ""))
    try:
        outcome = await run_in_threadpool(
            problem_actions.bulk_act, services_of(request), ids, action, actor=user.name, reason=reason
        )
    except BadInput as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    summary = urlencode({"action": action, "done": len(outcome.done), "refused": len(outcome.refused)})
    return RedirectResponse(
        f"/problems?{back}&{summary}" if back else f"/problems?{summary}", status_code=303
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/problems", inbox, name="inbox"),
        Route("/problems/bulk", bulk, methods=["POST"], name="inbox_bulk"),
    ]
