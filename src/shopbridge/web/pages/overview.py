"""The overview: each flow's health, the queue, open problems by owner and severity, today's
reconciliation, peak mode (with its switch, for operators) and the charts of the last day and weeks."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import admin, overview, stock_admin
from shopbridge.domain.access import Role
from shopbridge.domain.problems import Severity, Team
from shopbridge.web.api import services_of
from shopbridge.web.auth import Forbidden, forbidden_response, require
from shopbridge.web.charts import bar_chart
from shopbridge.web.dashboard import templates

__all__ = ["routes"]


def overview_page(request: Request) -> Response:
    services = services_of(request)
    status = admin.status(services)
    matrix = {(row.team, row.severity): row.count for row in status.problems}
    opened, closed = overview.problems_per_day(services)
    charts = [
        bar_chart(
            overview.jobs_per_hour(services),
            title="jobs done per hour, last 24 hours",
            css_class="throughput",
        ),
        bar_chart(
            overview.queue_wait_per_hour(services),
            title="longest wait from queued to done",
            unit=" min",
            css_class="queue-age",
        ),
        bar_chart(opened, title="problems opened per day", css_class="opened"),
        bar_chart(closed, title="problems closed per day", css_class="closed"),
    ]
    context = {
        "now": status.as_of,
        "flows": overview.flow_health(services),
        "queue": status.queue,
        "teams": [t.value for t in Team],
        "severities": [s.value for s in reversed(Severity)],
        "matrix": matrix,
        "reconciliation": overview.reconciliation_today(services),
        "peak": stock_admin.is_peak(services),
        "charts": charts,
    }
    return templates.TemplateResponse(request, "overview.html", context)


async def peak(request: Request) -> Response:
    """Turn peak mode on or off (operators; audited by ``stock_admin.set_peak``)."""
    try:
        user = require(request, Role.OPERATOR)
    except Forbidden as exc:
        return forbidden_response(request, str(exc))
    form = await request.form()
    on = form.get("peak") == "on"
    services = services_of(request)
    await run_in_threadpool(stock_admin.set_peak, services, services.settings, on, actor=user.name)
    return RedirectResponse("/overview", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/overview", overview_page, name="overview"),
        Route("/overview/peak", peak, methods=["POST"], name="overview_peak"),
    ]
