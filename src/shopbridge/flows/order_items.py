"""The order flow's short memory of the ERP items it sells: fewer ERP requests per order in a burst.

Before creating an ERP order the flow checks that every SKU exists and is active in the ERP. In a
burst the same few SKUs are checked again and again, and on Sage 200 each check costs two of the five
requests an order makes (products, then their prices). This memory lets one check serve the orders
of the next ``erp.order_item_memory_seconds`` (30 s by default).

It is the order flow's alone, by construction: it lives on the :class:`~shopbridge.flows.spec.
FlowContext` and only ``order_to_sales_order`` reads through it. The catalogue gate, the stock and
price-list flows and the quarantine release call ``ErpPort.get_items`` themselves and always see the
ERP as it is (a shared memory once kept a deactivated item's product on sale until it ran out).

What it may get wrong, and what catches it:

- Only *active* items are remembered. A SKU the ERP lacks or holds inactive is asked again for every
  order, so the memory never quarantines an order the ERP would take.
- An item deactivated in the ERP may still be remembered active for up to the memory's length. The
  ERP refuses an order for it (Sage 200: "The product ... is inactive and cannot be sold"); the flow
  then forgets the order's SKUs, checks them fresh, and quarantines the order as a fresh check would
  have (``order_to_sales_order._create``). Nothing is posted that the ERP does not accept.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from shopbridge.domain.records import Item, ItemStatus
from shopbridge.ports.erp import ErpPort

__all__ = ["DEFAULT_SECONDS", "RecentItems"]

DEFAULT_SECONDS = 30.0  # as long as the Sage 200 adapter reuses the rows of a check for the create


class RecentItems:
    """Active ERP items by SKU, each as read at most ``seconds`` ago; shared by a process's workers."""

    def __init__(self, seconds: float = DEFAULT_SECONDS) -> None:
        self.seconds = seconds
        self._items: dict[str, tuple[datetime, Item]] = {}
        self._lock = threading.Lock()

    def get_items(self, erp: ErpPort, skus: Sequence[str], now: datetime) -> dict[str, Item]:
        """``erp.get_items(skus)``, reading only the SKUs not remembered active from the last seconds."""
        remembered = self._recalled(skus, now)
        wanted = [sku for sku in dict.fromkeys(skus) if sku not in remembered]
        read = erp.get_items(wanted) if wanted else {}
        self._remember(read, now)
        return {**remembered, **read}

    def forget(self, skus: Sequence[str]) -> None:
        """Drop these SKUs: the next check reads them from the ERP."""
        with self._lock:
            for sku in skus:
                self._items.pop(sku, None)

    def _recalled(self, skus: Sequence[str], now: datetime) -> dict[str, Item]:
        if self.seconds <= 0:
            return {}
        oldest = now - timedelta(seconds=self.seconds)
        with self._lock:
            seen = {sku: self._items.get(sku) for sku in skus}
        return {sku: entry[1] for sku, entry in seen.items() if entry is not None and entry[0] >= oldest}

    def _remember(self, items: dict[str, Item], now: datetime) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            for sku, item in items.items():
                if item.status is ItemStatus.ACTIVE:
                    self._items[sku] = (now, item)
                else:  # inactive now: never served from memory, asked again next time
                    self._items.pop(sku, None)
