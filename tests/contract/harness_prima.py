"""The Prima adapter against the Prima sandbox (SOAP ``comwsomhandler``, in this process)."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from harness import STANDARD_CUSTOMER_EMAIL, STANDARD_ITEMS

from shopbridge.config.erp import PrimaSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.prima import PrimaAdapter
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.prima import Login, PrimaSandbox
from shopbridge.sandbox.prima.state import SEED_ITEMS

PASSWORD = "contract-secret"


class PrimaHarness:
    vendor = "prima"

    def __init__(self) -> None:
        self.sandbox = PrimaSandbox(Login(password=PASSWORD))
        self.adapter: PrimaAdapter | None = None
        self._secrets = tempfile.TemporaryDirectory()

    def start(self) -> ErpPort:
        base_url = self.sandbox.start()
        assert SEED_ITEMS == STANDARD_ITEMS, "sandbox/prima/state.py SEED_ITEMS drifted from the suite"
        emails = {c.email for c in self.sandbox.state.company.customers.values()}
        assert STANDARD_CUSTOMER_EMAIL in emails
        secret = Path(self._secrets.name) / "password"
        secret.write_text(PASSWORD, encoding="utf-8")
        settings = PrimaSettings(
            base_url=base_url,
            company_id="01",
            username="shopbridge",
            password=SecretRef(file=str(secret)),
            timeout_seconds=5,
        )
        self.adapter = PrimaAdapter(settings)
        return self.adapter

    def stop(self) -> None:
        if self.adapter is not None:
            self.adapter.client.close()
        self.sandbox.stop()
        self._secrets.cleanup()

    def _lever(self, name: str, **body: object) -> None:
        self.sandbox.levers.apply(name, dict(body))

    def add_item(self, sku: str, *, price: Decimal = Decimal("10.00"), active: bool = True) -> None:
        self._lever("add_item", sku=sku, price=str(price), active=active)

    def set_item_active(self, sku: str, active: bool) -> None:
        self._lever("set_item_active", sku=sku, active=active)

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        self._lever("set_stock", sku=sku, warehouse=warehouse, free=str(free))

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        self._lever("despatch", reference=reference, carrier=carrier, tracking=tracking)

    def count_sales_orders(self, reference: str) -> int:
        with self.sandbox.state.company.lock:
            return sum(1 for o in self.sandbox.state.company.orders.values() if o.reference == reference)

    def fail_next(self, status: int, times: int = 1) -> None:
        self._lever("faults", fail_status=status, fail_times=times)

    def count_credit_notes(self, order_reference: str) -> int:
        with self.sandbox.state.company.lock:
            order = self.sandbox.state.company.order_by_ref(order_reference)
            return len(order.credits) if order is not None else 0


def make_harness() -> PrimaHarness:
    return PrimaHarness()
