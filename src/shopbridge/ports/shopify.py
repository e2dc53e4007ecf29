"""The Shopify port: what flows need from a Shopify store, in canonical records.

The GraphQL client (:class:`shopbridge.connectors.shopify.client.ShopifyClient`) implements it; tests
may use any object with these methods. Each method translates Shopify's shapes and errors at the
connector's boundary, exactly as the ERP port does: transient failures raise
:class:`~shopbridge.errors.RetryLater`, refusals a person must look at raise
:class:`~shopbridge.errors.NeedsPerson`, malformed answers :class:`~shopbridge.errors.BadInput`.
Flows of later issues add the methods they need here, one per thing they move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from shopbridge.domain.records import Order
from shopbridge.domain.stock_audit import Drift, ShopifyLevel

__all__ = ["ERP_ORDER_METAFIELD", "ERP_TAG_PREFIX", "ShopifyPort"]

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

    # -- the full stock audit (flows/stock_audit.py) ------------------------------------------

    def start_inventory_read(self) -> str:
        """Start a bulk operation reading every inventory level's ``available``; returns its id."""
        ...

    def wait_inventory_read(self, operation_id: str, *, progress: Callable[[int], None] | None = None) -> int:
        """Poll the read with backoff until it completes; returns how many objects it read.

        ``progress`` gets the object count so far at each poll. A read that ends CANCELED or FAILED,
        or runs past the deadline, raises :class:`~shopbridge.errors.RetryLater`.
        """
        ...

    def inventory_levels(self, operation_id: str) -> Iterator[ShopifyLevel]:
        """The levels of a completed read, streamed (memory for one line at a time)."""
        ...

    def repair_inventory_levels(self, drifts: Sequence[Drift], *, key: str) -> int:
        """Set at most 250 drifted levels back to ``expected``, compare-and-swap on ``shopify``.

        Returns how many were set. Levels that moved again since the read are left alone (Shopify
        refuses them as stale); the others of the batch are still set. ``key`` is the idempotency key.
        """
        ...
