"""The refunds of many orders, ten orders a read (``nodes(ids:)``), instead of one read per order.

Why not in the day's bulk operation: ``Order.refunds`` is a list field and ``refundLineItems`` a
connection, and Shopify refuses a bulk query with a connection inside a list field ("Queries that
contain a connection field within a list field are not currently supported."). So refunded orders
are read after the bulk run, in batches sized to stay within the 1,000 points one query may request
(``queries/refunds_of_orders.graphql`` gives the arithmetic).

The batch reads smaller pages than ``refunds_of_order``; an order whose refunds fill their page, or
whose lines, shipping, adjustments or transactions say ``hasNextPage``, is read again alone with
``refunds_of_order``, so no refund and no line is ever cut short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from shopbridge.connectors.shopify.order_nodes import order_nodes
from shopbridge.connectors.shopify.refunds import order_refunds, refunds_of
from shopbridge.domain.records import Refund

__all__ = ["BATCH", "refunds_of_orders"]

BATCH = 10  # orders per read (81 points requested each: see the document)
REFUNDS_PAGE = 10  # refunds(first:) in the document: a full page may hide more
_PAGED = ("refundLineItems", "refundShippingLines", "orderAdjustments", "transactions")


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def refunds_of_orders(client: _Client, order_ids: Sequence[str]) -> dict[str, tuple[Refund, ...]]:
    """Each order's refunds, oldest first, keyed by the id given; none for an order Shopify lacks."""
    nodes = order_nodes(client, "refunds_of_orders", order_ids, BATCH)
    return {order_id: _refunds(client, order_id, node) for order_id, node in nodes}


def _refunds(client: _Client, order_id: str, node: Mapping[str, Any] | None) -> tuple[Refund, ...]:
    if node is None:
        return ()
    if _cut_short(node):
        return order_refunds(client, order_id)
    return refunds_of(node)


def _cut_short(order: Mapping[str, Any]) -> bool:
    refunds = list(order.get("refunds") or ())
    if len(refunds) >= REFUNDS_PAGE:
        return True
    return any(
        bool(((refund.get(name) or {}).get("pageInfo") or {}).get("hasNextPage"))
        for refund in refunds
        for name in _PAGED
    )
