"""The control API under ``/_sandbox/``: the levers a test or a demo pulls on the ERP side.

``POST /_sandbox/items`` ``{"sku", "name"?, "price"?, "active"?}`` · ``POST /_sandbox/items/{sku}/active``
``{"active"}`` · ``POST /_sandbox/stock`` ``{"sku", "warehouse"?, "free"}`` · ``POST /_sandbox/despatch``
``{"reference", "courier", "consignment"}`` · ``POST /_sandbox/faults`` ``{"status", "times"}`` or
``{"latency_seconds"}`` or ``{"timeouts", "seconds"}`` or ``{}`` (clear) ·
``GET /_sandbox/counts?reference=`` · ``POST /_sandbox/concurrency`` ``{"limit"?, "reset"?}`` (0: no limit)
and ``GET /_sandbox/concurrency``: in flight, peak, admitted, refused (429), busy slot-seconds,
wall seconds and occupancy since the last reset.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shopbridge.sandbox.sage200 import levers

if TYPE_CHECKING:
    from shopbridge.sandbox.sage200.app import SandboxApp


def control_routes(app: SandboxApp) -> list[Route]:
    async def body(request: Request) -> dict[str, Any]:
        data = await request.json() if await request.body() else {}
        return data if isinstance(data, dict) else {}

    async def add_item(request: Request) -> JSONResponse:
        data = await body(request)
        price = Decimal(str(data.get("price", "10.00")))
        levers.add_item(
            app.state,
            str(data["sku"]),
            str(data.get("name", data["sku"])),
            price,
            bool(data.get("active", True)),
        )
        return JSONResponse({"ok": True})

    async def set_active(request: Request) -> JSONResponse:
        data = await body(request)
        levers.set_item_active(app.state, request.path_params["sku"], bool(data.get("active", True)))
        return JSONResponse({"ok": True})

    async def set_stock(request: Request) -> JSONResponse:
        data = await body(request)
        warehouse = str(data.get("warehouse", levers.DEFAULT_WAREHOUSE))
        levers.set_stock(app.state, str(data["sku"]), warehouse, Decimal(str(data["free"])))
        return JSONResponse({"ok": True})

    async def set_credit_limit(request: Request) -> JSONResponse:
        data = await body(request)
        levers.set_credit_limit(app.state, request.path_params["account"], Decimal(str(data["limit"])))
        return JSONResponse({"ok": True})

    async def despatch(request: Request) -> JSONResponse:
        data = await body(request)
        receipt = levers.despatch(
            app.state, str(data["reference"]), str(data["courier"]), str(data["consignment"])
        )
        return JSONResponse({"despatch_no": receipt["despatch_no"]})

    async def faults(request: Request) -> JSONResponse:
        data = await body(request)
        if "status" in data:
            app.faults.fail_next(int(data["status"]), int(data.get("times", 1)))
        elif "latency_seconds" in data:
            app.faults.set_latency(float(data["latency_seconds"]))
        elif "timeouts" in data:
            app.faults.hang_next(int(data["timeouts"]), float(data.get("seconds", 5.0)))
        else:
            app.faults.clear()
        return JSONResponse({"ok": True})

    async def counts(request: Request) -> JSONResponse:
        reference = request.query_params.get("reference", "")
        return JSONResponse(
            {
                "sales_orders": levers.count_sales_orders(app.state, reference),
                "credit_notes": levers.count_credit_notes(app.state, reference),
            }
        )

    async def concurrency(request: Request) -> JSONResponse:
        if request.method == "POST":
            data = await body(request)
            if "limit" in data:
                try:
                    app.gate.set_limit(int(data["limit"]))
                except ValueError as exc:
                    return JSONResponse({"error": str(exc)}, status_code=400)
            if data.get("reset"):
                app.gate.reset()
        return JSONResponse(app.gate.stats().as_json())

    return [
        Route("/_sandbox/concurrency", concurrency, methods=["GET", "POST"]),
        Route("/_sandbox/items", add_item, methods=["POST"]),
        Route("/_sandbox/items/{sku}/active", set_active, methods=["POST"]),
        Route("/_sandbox/stock", set_stock, methods=["POST"]),
        Route("/_sandbox/customers/{account}/credit_limit", set_credit_limit, methods=["POST"]),
        Route("/_sandbox/despatch", despatch, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["POST"]),
        Route("/_sandbox/counts", counts, methods=["GET"]),
    ]
