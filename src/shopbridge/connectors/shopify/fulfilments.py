"""The fulfilment side of the Shopify port: read an order's fulfilment state, move, fulfil.

Shopify's refusals of ``fulfillmentCreate`` and ``fulfillmentOrderMove`` (a quantity more than is
left, a closed or unknown fulfilment order, a location that cannot take it) become ``NeedsPerson`` of
kind ``FULFILMENT_REJECTED`` with Shopify's own words, for operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shopbridge.connectors.shopify.translate import gid
from shopbridge.domain.fulfilment import (
    FulfilmentOrder,
    FulfilmentOrderLine,
    FulfilmentRequest,
    OrderedLine,
    OrderFulfilments,
    ShippedFulfilment,
)
from shopbridge.domain.problems import ProblemKind
from shopbridge.errors import NeedsPerson

__all__ = ["create_fulfilment", "fulfilments_made", "move_fulfilment_order", "order_fulfilments"]


class _Client(Protocol):
    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def order_fulfilments(client: _Client, order_id: str) -> OrderFulfilments | None:
    """``order_fulfilment_state`` as canonical records; ``None`` when Shopify has no such order."""
    data = client.execute("order_fulfilment_state", {"id": gid("Order", order_id)})
    node = (data or {}).get("order")
    if node is None:
        return None
    if _truncated(node):
        raise NeedsPerson(
            f"order {node.get('name')} has more lines or fulfilment orders than shopbridge reads at once "
            "(25 lines, 5 fulfilment orders); fulfil its dispatches by hand in Shopify",
            kind=ProblemKind.FULFILMENT_REJECTED,
            details={"order": node.get("name"), "order_id": node.get("id")},
        )
    return OrderFulfilments(
        order_id=str(node["id"]),
        name=str(node.get("name") or ""),
        cancelled=node.get("cancelledAt") is not None,
        lines=tuple(_ordered(line) for line in _nodes(node.get("lineItems"))),
        fulfilment_orders=tuple(_fulfilment_order(fo) for fo in _nodes(node.get("fulfillmentOrders"))),
    )


def fulfilments_made(client: _Client, order_id: str) -> tuple[ShippedFulfilment, ...]:
    """The order's fulfilments (none when Shopify has no such order)."""
    data = client.execute("order_fulfilments_made", {"id": gid("Order", order_id)})
    node = (data or {}).get("order") or {}
    return tuple(_shipped(f) for f in node.get("fulfillments") or ())


def move_fulfilment_order(
    client: _Client, fulfilment_order_id: str, location_id: str, lines: tuple[tuple[str, int], ...]
) -> None:
    variables = {
        "id": fulfilment_order_id,
        "newLocationId": gid("Location", location_id),
        "lines": [{"id": line_id, "quantity": quantity} for line_id, quantity in lines],
    }
    _rejected_for_operations(client, "fulfillment_order_move", variables)


def create_fulfilment(client: _Client, request: FulfilmentRequest) -> str:
    tracking: dict[str, Any] = {"numbers": list(request.numbers)}
    if request.company:
        tracking["company"] = request.company
    if request.urls:
        tracking["urls"] = list(request.urls)
    fulfillment = {
        "notifyCustomer": request.notify_customer,
        "trackingInfo": tracking,
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fo_id,
                "fulfillmentOrderLineItems": [{"id": line, "quantity": qty} for line, qty in lines],
            }
            for fo_id, lines in request.groups
        ],
    }
    result = _rejected_for_operations(client, "fulfillment_create", {"fulfillment": fulfillment})
    return str((result.get("fulfillment") or {}).get("id") or "")


def _rejected_for_operations(client: _Client, name: str, variables: Mapping[str, Any]) -> Any:
    """Run a mutation; Shopify's userErrors become a fulfilment problem for operations."""
    try:
        return client.mutate(name, variables)
    except NeedsPerson as exc:
        raise NeedsPerson(str(exc), kind=ProblemKind.FULFILMENT_REJECTED, details=dict(exc.details)) from exc


def _truncated(node: Mapping[str, Any]) -> bool:
    connections = [node.get("lineItems"), node.get("fulfillmentOrders")]
    connections += [fo.get("lineItems") for fo in _nodes(node.get("fulfillmentOrders"))]
    return any(((c or {}).get("pageInfo") or {}).get("hasNextPage") for c in connections)


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    return list((connection or {}).get("nodes") or ())


def _ordered(line: Mapping[str, Any]) -> OrderedLine:
    return OrderedLine(str(line["id"]), str(line.get("sku") or ""), int(line.get("currentQuantity") or 0))


def _fulfilment_order(fo: Mapping[str, Any]) -> FulfilmentOrder:
    location = ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")
    return FulfilmentOrder(
        id=str(fo["id"]),
        location_id=str(location or ""),
        status=str(fo.get("status") or ""),
        lines=tuple(
            FulfilmentOrderLine(
                str(item["id"]),
                str((item.get("lineItem") or {}).get("id") or ""),
                int(item.get("remainingQuantity") or 0),
            )
            for item in _nodes(fo.get("lineItems"))
        ),
    )


def _shipped(fulfilment: Mapping[str, Any]) -> ShippedFulfilment:
    return ShippedFulfilment(
        id=str(fulfilment["id"]),
        status=str(fulfilment.get("status") or ""),
        tracking_numbers=tuple(
            str(t["number"]) for t in fulfilment.get("trackingInfo") or () if t.get("number")
        ),
        lines=tuple(
            (str((item.get("lineItem") or {}).get("id") or ""), int(item.get("quantity") or 0))
            for item in _nodes(fulfilment.get("fulfillmentLineItems"))
        ),
    )
