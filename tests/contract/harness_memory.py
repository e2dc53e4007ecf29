"""The in-memory fake ERP under the contract suite (the fake must keep the same promises)."""

from __future__ import annotations

from decimal import Decimal

from harness import STANDARD_CUSTOMER_EMAIL, STANDARD_ITEMS

from shopbridge.connectors.erp.memory import MemoryErp, seed_standard
from shopbridge.ports.erp import ErpPort


class MemoryHarness:
    vendor = "memory"

    def __init__(self) -> None:
        self.erp = MemoryErp()

    def start(self) -> ErpPort:
        self.erp = MemoryErp()
        seed_standard(self.erp, STANDARD_ITEMS, STANDARD_CUSTOMER_EMAIL)
        return self.erp

    def stop(self) -> None:
        """Nothing runs outside this process."""

    def add_item(self, sku: str, *, price: Decimal = Decimal("10.00"), active: bool = True) -> None:
        self.erp.add_item(sku, price=price, active=active)

    def set_item_active(self, sku: str, active: bool) -> None:
        self.erp.set_item_active(sku, active)

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        self.erp.set_stock(sku, warehouse, free)

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        self.erp.set_credit_limit(account, limit)

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        self.erp.dispatch(reference, carrier=carrier, tracking=tracking)

    def count_sales_orders(self, reference: str) -> int:
        return self.erp.count_sales_orders(reference)

    def fail_next(self, status: int, times: int = 1) -> None:
        self.erp.fail_next(status, times)

    def count_credit_notes(self, order_reference: str) -> int:
        return self.erp.count_credit_notes(order_reference)


def make_harness() -> MemoryHarness:
    return MemoryHarness()
