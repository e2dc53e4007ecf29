"""The Prima adapter against the Prima sandbox (SOAP ``comwsomhandler``, in this process)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness import STANDARD_CUSTOMER_EMAIL, STANDARD_ITEMS
from lever_harness import LeverHarnessMixin

from shopbridge.config.erp import PrimaSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.prima import PrimaAdapter
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.prima import Login, PrimaSandbox
from shopbridge.sandbox.prima.state import SEED_ITEMS

PASSWORD = "contract-secret"


class PrimaHarness(LeverHarnessMixin):
    vendor = "prima"

    def __init__(self) -> None:
        self.sandbox = PrimaSandbox(Login(password=PASSWORD))
        self.adapter: PrimaAdapter | None = None
        self._secrets = tempfile.TemporaryDirectory()

    def start(self) -> ErpPort:
        self.sandbox.start()
        assert SEED_ITEMS == STANDARD_ITEMS, "sandbox/prima/state.py SEED_ITEMS drifted from the suite"
        emails = {c.email for c in self.sandbox.state.company.customers.values()}
        assert STANDARD_CUSTOMER_EMAIL in emails
        secret = Path(self._secrets.name) / "password"
        secret.write_text(PASSWORD, encoding="utf-8")
        settings = PrimaSettings(
            base_url=self.sandbox.service_url,
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

    def count_sales_orders(self, reference: str) -> int:
        with self.sandbox.state.company.lock:
            return sum(1 for o in self.sandbox.state.company.orders.values() if o.reference == reference)

    def count_credit_notes(self, order_reference: str) -> int:
        with self.sandbox.state.company.lock:
            order = self.sandbox.state.company.order_by_ref(order_reference)
            return len(order.credits) if order is not None else 0


def make_harness() -> PrimaHarness:
    return PrimaHarness()
