"""What the demo needs of an ERP, whichever it is: the interface every demo ERP (``erps``, the
sandboxes; ``tryton``, a real server) implements, and the order it reads back for the order check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["ENV_TRYTON_PASSWORD", "STOCK", "DemoErp", "ErpOrder", "ErpUnavailable"]

ENV_TRYTON_PASSWORD = "SHOPBRIDGE_DEMO_TRYTON_PASSWORD"
STOCK = Decimal(1000)


class ErpUnavailable(RuntimeError):
    """The chosen ERP cannot be started here; the message names the fix."""


@dataclass(frozen=True)
class ErpOrder:
    """One sales order as the ERP holds it; ``tax``/``gross`` are None where the ERP keeps no tax."""

    reference: str
    cancelled: bool
    net: Decimal
    tax: Decimal | None
    gross: Decimal | None


class DemoErp:
    """What the demo needs of an ERP (the subclasses below)."""

    vendor: str
    title: str  # as the console and the report name it
    warehouse: str  # the shop's locations map here
    web_account: str  # the seeded account guest checkouts post to
    tax_codes: tuple[tuple[str, str], ...]  # (rate, the ERP's tax code): standard and zero-rated
    totals_source: str  # what the order check compares, in words

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def add_item(self, sku: str, name: str, price: Decimal) -> None:
        raise NotImplementedError

    def set_item_active(self, sku: str, active: bool) -> None:
        raise NotImplementedError

    def despatch(self, reference: str) -> None:
        raise NotImplementedError

    def orders(self) -> list[ErpOrder]:
        raise NotImplementedError

    def config(self) -> str:
        raise NotImplementedError
