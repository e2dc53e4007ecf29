"""The Shopify port: what flows need from a Shopify store, in canonical records.

The GraphQL client (:class:`shopbridge.connectors.shopify.client.ShopifyClient`) implements it; tests
may use any object with these methods. Each method translates Shopify's shapes and errors at the
connector's boundary, exactly as the ERP port does: transient failures raise
:class:`~shopbridge.errors.RetryLater`, refusals a person must look at raise
:class:`~shopbridge.errors.NeedsPerson`, malformed answers :class:`~shopbridge.errors.BadInput`.
Flows of later issues add the methods they need here, one per thing they move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from shopbridge.domain.records import Order, Refund

__all__ = ["ERP_ORDER_METAFIELD", "ERP_TAG_PREFIX", "RefundedOrder", "ShopifyPort"]

ERP_ORDER_METAFIELD = ("shopbridge", "erp_order")  # namespace, key of the ERP number on the order
ERP_TAG_PREFIX = "ERP:"  # the ERP number as an order tag, searchable in Shopify's admin


@dataclass(frozen=True)
class RefundedOrder:
    """An order with refunds, as the refunds sweep finds it: its GID and when it last changed."""

    order_id: str
    updated_at: datetime


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

    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        """Every refund of the order, oldest first (none if Shopify no longer has the order)."""
        ...

    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        """Orders updated at or after ``since`` that have refunds (for the refunds sweep)."""
        ...
