"""The Sage 200 harness: the in-process Sage 200 sandbox, and the adapter talking to it over HTTP."""

from __future__ import annotations

from decimal import Decimal

from shopbridge.config.erp import Sage200Settings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.connectors.erp.sage200.client import Sage200Client
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.sage200.state import set_price

# Small pages so every paged read in the suite crosses page boundaries.
PAGE_SIZE = 3


def sandbox_settings(sandbox: Sage200Sandbox, *, timeout_seconds: float = 5.0) -> Sage200Settings:
    return Sage200Settings(
        base_url=sandbox.base_url,
        site_id=sandbox.site_id,
        company_id=sandbox.company_id,
        access_token=SecretRef(env="SHOPBRIDGE_SAGE200_TOKEN"),  # not read: the harness passes the token
        timeout_seconds=timeout_seconds,
        page_size=PAGE_SIZE,
    )


class Sage200Harness:
    vendor = "sage200"

    def __init__(self) -> None:
        self.sandbox: Sage200Sandbox | None = None
        self.port: Sage200Adapter | None = None

    def start(self) -> ErpPort:
        if self.port is not None:
            return self.port
        self.sandbox = Sage200Sandbox()
        self.sandbox.start()
        client = Sage200Client(sandbox_settings(self.sandbox), self.sandbox.token)
        self.port = Sage200Adapter(client)
        return self.port

    def stop(self) -> None:
        if self.port is not None:
            self.port.close()
        if self.sandbox is not None:
            self.sandbox.stop()
        self.port = None
        self.sandbox = None

    def _box(self) -> Sage200Sandbox:
        if self.sandbox is None:
            raise RuntimeError("start() the harness first")
        return self.sandbox

    def add_item(self, sku: str, *, price: Decimal = Decimal("10.00"), active: bool = True) -> None:
        self._box().add_item(sku, price=price, active=active)

    def set_item_active(self, sku: str, active: bool) -> None:
        self._box().set_item_active(sku, active)

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        self._box().set_stock(sku, warehouse, free)

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        self._box().set_credit_limit(account, limit)

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        self._box().despatch(reference, courier=carrier, consignment=tracking)

    def count_sales_orders(self, reference: str) -> int:
        return self._box().count_sales_orders(reference)

    def count_credit_notes(self, order_reference: str) -> int:
        return self._box().count_credit_notes(order_reference)

    def fail_next(self, status: int, times: int = 1) -> None:
        self._box().fail_next(status, times)

    def set_list_price(self, code: str, sku: str, price: Decimal) -> None:
        """Set the item's price in the price band ``code``, as a pricing clerk would."""
        state = self._box().state
        with state.lock:
            product = state.product_by_code(sku)
            band = state.first("price_bands", name=code)
            assert product is not None and band is not None, f"no Sage 200 product {sku} or band {code}"
            set_price(state, product, band, price)

    def set_customer_price_band(self, account: str, code: str) -> None:
        """Put the customer account on the price band ``code``, as sales admin would."""
        state = self._box().state
        with state.lock:
            customer = state.first("customers", reference=account)
            band = state.first("price_bands", name=code)
            assert customer is not None and band is not None, f"no Sage 200 customer {account} or band {code}"
            customer["price_band_id"] = band["id"]
            state.touch(customer)


def make_harness() -> Sage200Harness:
    return Sage200Harness()
