"""``Sage200Sandbox``: the sandbox served by uvicorn on 127.0.0.1 in a background thread."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from shopbridge.sandbox.concurrency import ConcurrencyGate, ConcurrencyStats
from shopbridge.sandbox.sage200 import levers
from shopbridge.sandbox.sage200.app import SandboxApp
from shopbridge.sandbox.sage200.faults import Faults
from shopbridge.sandbox.sage200.state import COMPANY_ID, SITE_ID, SageState
from shopbridge.sandbox.serving import ServerThread

DEFAULT_TOKEN = "sandbox-token"


class Sage200Sandbox:
    """An in-memory Sage 200 company answering the real OpenAPI specs; ``start()`` returns its base URL."""

    site_id = SITE_ID
    company_id = str(COMPANY_ID)

    def __init__(
        self, *, token: str = DEFAULT_TOKEN, port: int = 0, latency: float = 0.0, max_concurrency: int = 0
    ) -> None:
        self.token = token
        self.port = port
        self.state = SageState()
        self.faults = Faults()
        self.faults.set_latency(latency)
        self.gate = ConcurrencyGate(max_concurrency)
        self.app = SandboxApp(self.state, self.faults, token, self.gate)
        self._server: ServerThread | None = None
        self.base_url = ""

    def start(self) -> str:
        self._server = ServerThread(self.app.asgi, port=self.port, name="sage200-sandbox")
        self.base_url = self._server.start()
        self.port = int(self.base_url.rsplit(":", 1)[1])
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._server = None

    # Levers (see control.py for the same over HTTP)
    def add_item(
        self, sku: str, *, name: str = "", price: Decimal = Decimal("10.00"), active: bool = True
    ) -> None:
        levers.add_item(self.state, sku, name or sku, price, active)

    def set_item_active(self, sku: str, active: bool) -> None:
        levers.set_item_active(self.state, sku, active)

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        levers.set_stock(self.state, sku, warehouse, free)

    def set_item_details(
        self, sku: str, *, barcode: str | None = None, weight: Decimal | None = None
    ) -> None:
        levers.set_item_details(self.state, sku, barcode=barcode, weight=weight)

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        levers.set_credit_limit(self.state, account, limit)

    def despatch(
        self,
        reference: str,
        *,
        courier: str,
        consignment: str,
        quantities: Mapping[str, int] | None = None,
        warehouse: str | None = None,
    ) -> str:
        """Despatch the order (all that is outstanding, or ``quantities`` per item code)."""
        receipt = levers.despatch(
            self.state, reference, courier, consignment, quantities=quantities, warehouse=warehouse
        )
        return str(receipt["despatch_no"])

    def add_warehouse(self, name: str) -> None:
        """A second warehouse, as a site adds one (holdings appear when stock is set there)."""
        with self.state.lock:
            if self.state.warehouse_by_name(name) is None:
                self.state.insert("warehouses", {"name": name, "description": name})

    def dispatch_count(self) -> int:
        """Despatch receipts recorded so far (the demo's ``dispatches_in_erp``)."""
        with self.state.lock:
            return len(self.state.all("sop_despatch_receipts"))

    def fail_next(self, status: int, times: int = 1) -> None:
        self.faults.fail_next(status, times)

    def hang_next(self, times: int = 1, seconds: float = 5.0) -> None:
        self.faults.hang_next(times, seconds)

    def set_latency(self, seconds: float) -> None:
        self.faults.set_latency(seconds)

    def set_max_concurrency(self, limit: int) -> None:
        """Refuse (429) any request beyond ``limit`` in flight at once; 0 lifts the limit."""
        self.gate.set_limit(limit)

    def concurrency(self) -> ConcurrencyStats:
        """In flight, peak, admitted, refused and busy slot-seconds since the last reset."""
        return self.gate.stats()

    def reset_concurrency(self) -> None:
        self.gate.reset()

    def count_sales_orders(self, reference: str) -> int:
        return levers.count_sales_orders(self.state, reference)

    def count_credit_notes(self, order_reference: str) -> int:
        return levers.count_credit_notes(self.state, order_reference)
