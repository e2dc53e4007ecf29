"""The refund side of the Shopify port: an order's refunds, and the refunded orders a sweep must see."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from shopbridge.connectors.shopify.pagination import Executor, iterate_pages
from shopbridge.connectors.shopify.translate import _bag, _gql_transaction, gid, parse_time
from shopbridge.domain.money import Money, total
from shopbridge.domain.records import Refund, RefundLine, RestockType
from shopbridge.errors import BadInput
from shopbridge.ports.shopify import RefundedOrder

__all__ = ["order_refunds", "refunded_orders_since", "refunds_of"]

_REFUNDED = ("PARTIALLY_REFUNDED", "REFUNDED")
_REFUNDED_SEARCH = ("partially_refunded", "refunded")  # Shopify's financial_status search values
_RESTOCK = {
    "RETURN": RestockType.RETURN,
    "LEGACY_RESTOCK": RestockType.RETURN,  # restocked before Shopify told return from cancel apart
    "CANCEL": RestockType.CANCEL,
    "NO_RESTOCK": RestockType.NO_RESTOCK,
}


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def order_refunds(client: _Client, order_id: str) -> tuple[Refund, ...]:
    """Every refund of the order, oldest first; none when Shopify no longer has the order."""
    data = client.execute("refunds_of_order", {"id": gid("Order", order_id)})
    order = (data or {}).get("order")
    if order is None:
        return ()
    return refunds_of(order)


def refunds_of(order: Mapping[str, Any]) -> tuple[Refund, ...]:
    """An order node's refunds (as ``refunds_of_order`` reads them), oldest first."""
    try:
        refunds = [_refund(order, node) for node in order.get("refunds") or ()]
    except (KeyError, ValueError, TypeError) as exc:
        raise BadInput(f"Shopify refunds of order {order.get('name')} cannot be read: {exc}") from exc
    return tuple(sorted(refunds, key=lambda r: (r.created_at, r.shopify_id)))


def refunded_orders_since(
    client: Executor,
    since: datetime,
    *,
    on_page: Callable[[list[RefundedOrder]], None] | None = None,
    created_before: datetime | None = None,
) -> tuple[RefundedOrder, ...]:
    """Orders updated at or after ``since`` whose payment status says they have refunds, oldest change
    first. Shopify filters by ``financial_status`` (one search per status: the pages then hold only
    refunded orders, not every order of a busy day); the status is checked again on each node.
    ``on_page`` is handed each page's refunded orders as it comes (the reconciliation reads their
    refunds meanwhile); ``created_before`` leaves out orders created since (read another way)."""
    found: dict[str, RefundedOrder] = {}
    created = f" created_at:<'{_stamp(created_before)}'" if created_before is not None else ""
    for status in _REFUNDED_SEARCH:
        query = {"query": f"updated_at:>='{_stamp(since)}'{created} financial_status:{status}"}
        for page in iterate_pages(client, "orders_updated_since", query, ("orders",)):
            refunded = [
                RefundedOrder(str(node["id"]), parse_time(node.get("updatedAt")) or since)
                for node in page
                if node.get("displayFinancialStatus") in _REFUNDED
            ]
            found.update((r.order_id, r) for r in refunded)
            if on_page is not None:
                on_page(refunded)
    return tuple(sorted(found.values(), key=lambda r: (r.updated_at, r.order_id)))


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _refund(order: Mapping[str, Any], node: Mapping[str, Any]) -> Refund:
    currency = str(order["currencyCode"])
    created = parse_time(node.get("createdAt"))
    if created is None:
        raise ValueError(f"refund {node.get('id')} has no createdAt")
    shipping = _nodes(node, "refundShippingLines")
    adjustments = _nodes(node, "orderAdjustments")
    return Refund(
        shopify_id=str(node["id"]),
        order_id=str(order["id"]),
        order_name=str(order["name"]),
        created_at=created,
        currency=currency,
        lines=tuple(_line(item, currency) for item in _nodes(node, "refundLineItems")),
        shipping=_sum(shipping, "subtotalAmountSet", currency) if shipping else None,
        shipping_tax=_sum(shipping, "taxAmountSet", currency) if shipping else None,
        adjustments=tuple(_bag(adj.get("amountSet"), currency) for adj in adjustments),
        adjustments_tax=_sum(adjustments, "taxAmountSet", currency) if adjustments else None,
        transactions=tuple(_gql_transaction(t, currency) for t in _nodes(node, "transactions")),
        note=str(node.get("note") or ""),
        total=_bag(node.get("totalRefundedSet"), currency),
        taxes_included=bool(order.get("taxesIncluded")),
    )


def _line(item: Mapping[str, Any], currency: str) -> RefundLine:
    line_item = item.get("lineItem") or {}
    return RefundLine(
        line_id=str(line_item.get("id") or ""),
        sku=str(line_item.get("sku") or ""),
        quantity=int(item.get("quantity") or 0),
        subtotal=_bag(item.get("subtotalSet"), currency),
        tax=_bag(item.get("totalTaxSet"), currency),
        restock_type=_RESTOCK.get(str(item.get("restockType") or ""), RestockType.NO_RESTOCK),
        location_id=str((item.get("location") or {}).get("id") or ""),
    )


def _nodes(node: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    return list((node.get(name) or {}).get("nodes") or ())


def _sum(items: list[Mapping[str, Any]], key: str, currency: str) -> Money:
    return total((_bag(item.get(key), currency) for item in items), currency)
