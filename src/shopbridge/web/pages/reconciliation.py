"""The reconciliation page: one kept day's checkpoints with their owners, mismatches and problems,
previous/next kept day, CSV and JSON downloads, and the trend over the kept days as charts.

Any signed-in role may read it (viewers included); it changes nothing, so it has no form to protect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge import reconciliation_view as view
from shopbridge.domain.reconciliation import CHECKPOINTS
from shopbridge.web.api import services_of
from shopbridge.web.charts import bar_chart, verdict_grid
from shopbridge.web.dashboard import templates

__all__ = ["Asked", "asked", "kept_day", "routes"]


class Asked:
    """The shop and day a request asks for (``?shop=`` default the first shop, ``?date=`` default the
    latest kept day); ``error`` says why the date is not one."""

    def __init__(self, shop: str, day: str | None, error: str = "") -> None:
        self.shop, self.day, self.error = shop, day, error


def asked(request: Request) -> Asked:
    services = services_of(request)
    shop = request.query_params.get("shop", "").strip() or view.default_shop(services)
    text = request.query_params.get("date", "").strip()
    try:
        return Asked(shop, view.parse_day(text))
    except ValueError:
        return Asked(shop, None, f"date wants YYYY-MM-DD, got {text!r}")


def reconciliation_page(request: Request) -> Response:
    services = services_of(request)
    wanted = asked(request)
    if wanted.error:
        return Response(wanted.error, status_code=400, media_type="text/plain")
    day = view.day_view(services, wanted.shop, wanted.day)
    days = view.trend(services, wanted.shop)
    charts = [
        verdict_grid(
            [(d.day, d.verdicts) for d in days], list(CHECKPOINTS), title="checkpoints per day (kept days)"
        ),
        bar_chart([(d.day, d.mismatches) for d in days], title="mismatches per day", css_class="mismatches"),
    ]
    context = {
        "shop": wanted.shop,
        "asked_day": wanted.day or "",
        "day": day,
        "shops": [s.name for s in services.settings.shops],
        "charts": charts,
        "kept_days": len(days),
    }
    return templates.TemplateResponse(request, "reconciliation.html", context)


def kept_day(request: Request) -> view.DayView | Response:
    wanted = asked(request)
    if wanted.error:
        return JSONResponse({"error": wanted.error}, status_code=400)
    found = view.day_view(services_of(request), wanted.shop, wanted.day)
    if found is None:
        what = wanted.day or "any day"
        message = f"no reconciliation of {wanted.shop!r} is kept for {what}"
        return JSONResponse({"error": message}, status_code=404)
    return found


def reconciliation_csv(request: Request) -> Response:
    found = kept_day(request)
    if isinstance(found, Response):
        return found
    headers = {"Content-Disposition": f'attachment; filename="reconciliation-{found.shop}-{found.day}.csv"'}
    return Response(found.csv, media_type="text/csv", headers=headers)


def reconciliation_json(request: Request) -> Response:
    found = kept_day(request)
    if isinstance(found, Response):
        return found
    headers = {"Content-Disposition": f'attachment; filename="reconciliation-{found.shop}-{found.day}.json"'}
    return JSONResponse(found.as_json(), headers=headers)


def routes() -> list[BaseRoute]:
    return [
        Route("/reconciliation", reconciliation_page, name="reconciliation"),
        Route("/reconciliation.csv", reconciliation_csv, name="reconciliation_csv"),
        Route("/reconciliation.json", reconciliation_json, name="reconciliation_json"),
    ]
