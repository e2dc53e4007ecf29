"""The stock page: drift by SKU and location from the latest audits, the buffers in force (and how
the winning rule is chosen), peak mode, and the last levels pushed to Shopify."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shopbridge import stock_admin, stock_report
from shopbridge.web.api import services_of
from shopbridge.web.charts import bar_chart
from shopbridge.web.dashboard import templates

__all__ = ["routes"]

BUFFER_ORDER = (
    "SKU at the location, SKU anywhere, collection at the location, collection anywhere, "
    "product type at the location, product type anywhere, the location's rule, the default"
)


def stock_page(request: Request) -> Response:
    services = services_of(request)
    context = {
        "drift": stock_report.latest_drift(services),
        "drift_chart": bar_chart(
            stock_report.drift_history(services), title="levels in drift per audit", css_class="drift"
        ),
        "buffers": stock_report.buffers_in_force(services.settings),
        "buffer_order": BUFFER_ORDER,
        "peak": stock_admin.is_peak(services),
        "pushes": stock_report.last_pushes(services),
    }
    return templates.TemplateResponse(request, "stock.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/stock", stock_page, name="stock")]
