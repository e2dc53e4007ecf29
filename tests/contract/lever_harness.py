"""The harness levers of the sandboxes built on ``shopbridge.sandbox.levers.ErpLevers`` (SYSPRO, Prima).

Both sandboxes answer the same lever names with the same bodies, so their harnesses share these
methods; each harness keeps only what differs (start, stop, counting its own documents).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol


class _WithLevers(Protocol):
    @property
    def levers(self) -> Any: ...


class LeverHarnessMixin:
    """``add_item``, ``set_item_active``, ``set_stock``, ``set_credit_limit``, ``dispatch`` and ``fail_next``
    through levers."""

    sandbox: _WithLevers

    def _lever(self, name: str, **body: object) -> None:
        self.sandbox.levers.apply(name, dict(body))

    def add_item(self, sku: str, *, price: Decimal = Decimal("10.00"), active: bool = True) -> None:
        self._lever("add_item", sku=sku, price=str(price), active=active)

    def set_item_active(self, sku: str, active: bool) -> None:
        self._lever("set_item_active", sku=sku, active=active)

    def set_stock(self, sku: str, warehouse: str, free: Decimal) -> None:
        self._lever("set_stock", sku=sku, warehouse=warehouse, free=str(free))

    def set_credit_limit(self, account: str, limit: Decimal) -> None:
        self._lever("set_credit_limit", account=account, limit=str(limit))

    def dispatch(self, reference: str, *, carrier: str, tracking: str) -> None:
        self._lever("despatch", reference=reference, carrier=carrier, tracking=tracking)

    def dispatch_part(
        self, reference: str, *, carrier: str, tracking: str, quantities: dict[str, int]
    ) -> None:
        """A part despatch: only ``quantities`` (SKU -> units) leave the warehouse."""
        self._lever(
            "despatch", reference=reference, carrier=carrier, tracking=tracking, quantities=quantities
        )

    def fail_next(self, status: int, times: int = 1) -> None:
        self._lever("faults", fail_status=status, fail_times=times)
