"""The Shopify port: what flows need from a Shopify store, in canonical records.

The GraphQL client (:class:`shopbridge.connectors.shopify.client.ShopifyClient`) implements it; tests
may use any object with these methods. Each method translates Shopify's shapes and errors at the
connector's boundary, exactly as the ERP port does: transient failures raise
:class:`~shopbridge.errors.RetryLater`, refusals a person must look at raise
:class:`~shopbridge.errors.NeedsPerson`, malformed answers :class:`~shopbridge.errors.BadInput`.
Flows of later issues add the methods they need here, one per thing they move.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from shopbridge.domain.fulfilment import FulfilmentRequest, OrderFulfilments, ShippedFulfilment
from shopbridge.domain.records import Order

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

    # -- fulfilments (the dispatch flow) ---------------------------------------------------------

    def order_fulfilments(self, order_id: str) -> OrderFulfilments | None:
        """The order's lines and fulfilment orders as Shopify has them now (``fulfilments`` empty)."""
        ...

    def fulfilments_made(self, order_id: str) -> tuple[ShippedFulfilment, ...]:
        """The order's fulfilments (status, tracking numbers, units per line item)."""
        ...

    def move_fulfilment_order(
        self, fulfilment_order_id: str, location_id: str, lines: tuple[tuple[str, int], ...]
    ) -> None:
        """``fulfillmentOrderMove``: these fulfilment order lines (id, quantity) to ``location_id``."""
        ...

    def create_fulfilment(self, request: FulfilmentRequest) -> str:
        """``fulfillmentCreate``; returns the fulfilment's GID. Shopify's refusals raise ``NeedsPerson``
        of kind ``FULFILMENT_REJECTED`` with Shopify's words."""
        ...
