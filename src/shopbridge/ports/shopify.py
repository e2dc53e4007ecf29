"""The Shopify port: what flows need from a Shopify store, in canonical records.

The GraphQL client (:class:`shopbridge.connectors.shopify.client.ShopifyClient`) implements it; tests
may use any object with these methods. Each method translates Shopify's shapes and errors at the
connector's boundary, exactly as the ERP port does: transient failures raise
:class:`~shopbridge.errors.RetryLater`, refusals a person must look at raise
:class:`~shopbridge.errors.NeedsPerson`, malformed answers :class:`~shopbridge.errors.BadInput`.
Flows of later issues add the methods they need here, one per thing they move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from shopbridge.domain.records import Order
from shopbridge.domain.stock import StockItem

__all__ = [
    "ERP_ORDER_METAFIELD",
    "ERP_TAG_PREFIX",
    "LevelWrite",
    "ShopifyInventoryPort",
    "ShopifyPort",
    "StockItem",
]

ERP_ORDER_METAFIELD = ("shopbridge", "erp_order")  # namespace, key of the ERP number on the order
ERP_TAG_PREFIX = "ERP:"  # the ERP number as an order tag, searchable in Shopify's admin


@runtime_checkable
class ShopifyPort(Protocol):
    """One Shopify store, as the flows see it."""

    def order(self, order_id: str) -> Order | None:
        """The order as it is now (GID or numeric id), or ``None`` if Shopify no longer has it."""
        ...

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        """Write the ERP order number back: the ``shopbridge.erp_order`` metafield and an ``ERP:`` tag.

        Idempotent: writing the same number twice changes nothing.
        """
        ...


@dataclass(frozen=True)
class LevelWrite:
    """Set ``available`` of one item at one location to ``quantity`` if Shopify still holds ``expected``."""

    inventory_item_id: str
    location_id: str
    quantity: int
    expected: int


@runtime_checkable
class ShopifyInventoryPort(Protocol):
    """What the stock push needs from a Shopify store (the client implements it with the rest)."""

    def stock_items(self, skus: Sequence[str]) -> list[StockItem]:
        """Every variant carrying one of ``skus`` (a SKU on two variants gives two)."""
        ...

    def available_levels(self, inventory_item_ids: Sequence[str], location_id: str) -> dict[str, int | None]:
        """``available`` per item at the location; ``None`` where the item is not stocked there."""
        ...

    def activate_inventory(self, inventory_item_id: str, location_id: str) -> int:
        """Stock the item at the location (``inventoryActivate``); returns its ``available`` there."""
        ...

    def set_available(self, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]:
        """One ``inventorySetQuantities`` of at most 250 writes, compare-and-swap on ``expected``.

        Shopify applies all or nothing: the writes it refused as stale (``CHANGE_FROM_QUANTITY_STALE``)
        come back and none was applied; an empty list means every write was applied. ``key`` is the
        idempotency key (a retry with changed writes needs a new key).
        """
        ...
