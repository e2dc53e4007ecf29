"""The payouts page: each payout settled, its summary entry in the ERP, the transactions behind it,
and the detail report as CSV (``payout_report.detail_report_csv``, as ``shopbridge payouts show``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from shopbridge import payout_report
from shopbridge.admin import NotFound
from shopbridge.web.api import services_of
from shopbridge.web.dashboard import templates

__all__ = ["routes"]


def payouts_page(request: Request) -> Response:
    records = payout_report.list_payouts(services_of(request))
    return templates.TemplateResponse(request, "payouts.html", {"payouts": records, "payout": None})


def payout_page(request: Request) -> Response:
    try:
        record = payout_report.payout_detail(services_of(request), request.path_params["payout_id"])
    except NotFound as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    return templates.TemplateResponse(request, "payouts.html", {"payouts": [], "payout": record})


def payout_csv(request: Request) -> Response:
    payout_id = request.path_params["payout_id"]
    try:
        record = payout_report.payout_detail(services_of(request), payout_id)
    except NotFound as exc:
        return Response(str(exc), status_code=404, media_type="text/plain")
    number = record.payout_id.rsplit("/", 1)[-1]
    headers = {"Content-Disposition": f'attachment; filename="payout-{number}.csv"'}
    return Response(payout_report.detail_report_csv(record), media_type="text/csv", headers=headers)


def routes() -> list[BaseRoute]:
    return [
        Route("/payouts", payouts_page, name="payouts"),
        Route("/payouts/{payout_id}", payout_page, name="payout"),
        Route("/payouts/{payout_id}/csv", payout_csv, name="payout_csv"),
    ]
