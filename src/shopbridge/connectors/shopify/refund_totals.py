"""The totals and refunded units of many orders' refunds, 22 orders a read: what the daily
reconciliation needs of a refund, at under half the cost points of reading it whole.

The day's refunds are the reconciliation's largest Shopify cost, and they cannot ride in its bulk
operation (``refunds_batch`` says why). The refunds checkpoint compares each refund's total with its
credit note, and reading the day's orders as sold needs each refund's units per line item; neither
needs the lines' money, restock types, refunded shipping, adjustments or transactions. Only where
an ERP's credit notes give no tax does the checkpoint need Shopify's tax, and it reads those refunds
whole (``refunds_batch``).

An order whose refunds fill their page, or whose lines say ``hasNextPage``, is read again alone with
``refunds_of_order`` (paged wider), so no refund and no unit is ever cut short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from shopbridge.connectors.shopify.order_nodes import order_nodes
from shopbridge.connectors.shopify.refunds import order_refunds
from shopbridge.connectors.shopify.translate import parse_time
from shopbridge.domain.money import Money
from shopbridge.domain.records import RefundTotal
from shopbridge.errors import BadInput

__all__ = ["BATCH", "refund_totals_of_orders", "units_refunded"]

BATCH = 22  # orders per read (44 points requested each: see the document)
REFUNDS_PAGE = 10  # refunds(first:) in the document: a full page may hide more


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def refund_totals_of_orders(client: _Client, order_ids: Sequence[str]) -> dict[str, tuple[RefundTotal, ...]]:
    """Each order's refunds, oldest first, keyed by the id given; none for an order Shopify lacks."""
    nodes = order_nodes(client, "refund_totals_of_orders", order_ids, BATCH)
    return {order_id: _totals(client, order_id, node) for order_id, node in nodes}


def units_refunded(refunds: Sequence[RefundTotal]) -> dict[str, int]:
    """Units refunded per line item GID over the refunds (as ``orders.refunded_units`` counts them)."""
    units: dict[str, int] = {}
    for refund in refunds:
        for line_id, quantity in refund.units:
            units[line_id] = units.get(line_id, 0) + quantity
    return units


def _totals(client: _Client, order_id: str, node: Mapping[str, Any] | None) -> tuple[RefundTotal, ...]:
    if node is None:
        return ()
    if _cut_short(node):
        return tuple(RefundTotal.of(refund) for refund in order_refunds(client, order_id))
    try:
        refunds = [_refund_total(node, refund) for refund in node.get("refunds") or ()]
    except (KeyError, ValueError, TypeError) as exc:
        raise BadInput(f"Shopify refunds of order {node.get('name')} cannot be read: {exc}") from exc
    return tuple(sorted(refunds, key=lambda r: (r.created_at, r.shopify_id)))


def _cut_short(order: Mapping[str, Any]) -> bool:
    refunds = list(order.get("refunds") or ())
    if len(refunds) >= REFUNDS_PAGE:
        return True
    return any(bool(_page_info(refund).get("hasNextPage")) for refund in refunds)


def _page_info(refund: Mapping[str, Any]) -> Mapping[str, Any]:
    return (refund.get("refundLineItems") or {}).get("pageInfo") or {}


def _refund_total(order: Mapping[str, Any], node: Mapping[str, Any]) -> RefundTotal:
    created = parse_time(node.get("createdAt"))
    if created is None:
        raise ValueError(f"refund {node.get('id')} has no createdAt")
    lines = (node.get("refundLineItems") or {}).get("nodes") or ()
    units = tuple(
        (str((line.get("lineItem") or {}).get("id") or ""), int(line.get("quantity") or 0)) for line in lines
    )
    refunded = node["totalRefundedSet"]["shopMoney"]
    return RefundTotal(
        shopify_id=str(node["id"]),
        order_id=str(order["id"]),
        order_name=str(order["name"]),
        created_at=created,
        total=Money.of(str(refunded["amount"]), str(refunded["currencyCode"])),
        units=units,
    )
