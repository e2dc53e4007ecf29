"""The stock-relevant lines of many orders, twenty-five orders a read (``nodes(ids:)``), instead of one
whole ``order_by_id`` read per order.

The stock sweep needs, of each order the ERP does not hold yet, its lines' SKUs and units as sold, the
gift card flags and where the order ships from; ``queries/orders_stock_lines.graphql`` asks for those
alone, so twenty-five orders stay within the 1,000 points one query may request (the document gives
the arithmetic). The facts are translated as ``order_from_graphql`` translates them (``sold_quantity``,
``order_location``), so a batched order reads exactly as ``fetch_order`` reads it:

- a refunded order's refunds are read (``order_refunds``) to put its refunded units back, as
  ``fetch_order`` does;
- an order whose lines say ``hasNextPage`` is read again alone with ``fetch_order``, so no line is cut
  short by the batch's smaller page;
- an order Shopify no longer has (``null`` in ``nodes``) is absent from the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from shopbridge.connectors.shopify.order_nodes import order_nodes
from shopbridge.connectors.shopify.orders import fetch_order, refunded_order, refunded_units
from shopbridge.connectors.shopify.translate import order_location, sold_quantity
from shopbridge.domain.order_stock_lines import OrderStockLine, OrderStockLines

__all__ = ["BATCH", "orders_stock_lines"]

BATCH = 25  # orders per read (36 points requested each: see the document)


class _Client(Protocol):
    shop_domain: str

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def orders_stock_lines(client: _Client, order_ids: Sequence[str]) -> dict[str, OrderStockLines]:
    """Each order's stock lines, keyed by the id given; an order Shopify lacks is absent."""
    nodes = order_nodes(client, "orders_stock_lines", order_ids, BATCH)
    read = ((order_id, _stock_lines(client, order_id, node)) for order_id, node in nodes)
    return {order_id: lines for order_id, lines in read if lines is not None}


def _stock_lines(client: _Client, order_id: str, node: Mapping[str, Any] | None) -> OrderStockLines | None:
    if not node or not node.get("id"):  # null, or an id that names no order (``... on Order`` empty)
        return None
    items = node.get("lineItems") or {}
    if (items.get("pageInfo") or {}).get("hasNextPage"):
        order = fetch_order(client, order_id)  # the whole read, alone: its lines' page is larger
        return OrderStockLines.of(order) if order is not None else None
    refunded = refunded_units(client, node) if refunded_order(node) else {}
    lines = tuple(
        OrderStockLine(
            sku=item.get("sku") or "",
            quantity=sold_quantity(item, refunded),
            is_gift_card=bool(item.get("isGiftCard")),
        )
        for item in items.get("nodes") or ()
    )
    return OrderStockLines(str(node["id"]), order_location(node), lines)
