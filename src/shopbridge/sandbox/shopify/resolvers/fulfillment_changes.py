"""After a fulfilment: ``fulfillmentTrackingInfoUpdate`` (and V2) and ``fulfillmentCancel``.

What Shopify does on a cancel, from the recorded ``fulfillment-cancel-parity`` capture: the
fulfilment becomes CANCELLED (display CANCELED), the units are unfulfilled again, the fulfilment
order that shipped them stays CLOSED while a new OPEN fulfilment order at the same location takes
the units, and an order that had closed itself on being fulfilled opens again.
"""

from __future__ import annotations

from typing import Any

from .. import order_figures as fig
from ..fulfillment_views import fulfillment_view
from ..order_events import Event, order_events, publish, touch
from ..order_model import open_fulfillment_order
from ..order_stock import move
from ..payloads import fulfillment_body
from ..registry import ResolveInfo, mutation
from ..state import ShopState


def _tracking_lists(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    numbers = data.get("numbers") or ([data["number"]] if data.get("number") else [])
    urls = data.get("urls") or ([data["url"]] if data.get("url") else [])
    return [str(n) for n in numbers], [str(u) for u in urls]


def update_tracking(state: ShopState, args: dict[str, Any]) -> dict[str, Any]:
    events: list[Event] = []
    with state.lock:
        fulfillment = state.fulfillments.get(args["fulfillmentId"])
        if fulfillment is None:
            error = {"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}
            return {"fulfillment": None, "userErrors": [error]}
        data = args["trackingInfoInput"]
        fulfillment["tracking_numbers"], fulfillment["tracking_urls"] = _tracking_lists(data)
        fulfillment["tracking_company"] = data.get("company", fulfillment["tracking_company"])
        fulfillment["updated_at"] = state.now_iso()
        events = [("fulfillments/update", fulfillment_body(state, fulfillment))]
        view = fulfillment_view(state, fulfillment)
    publish(state, events)
    return {"fulfillment": view, "userErrors": []}


@mutation("fulfillmentTrackingInfoUpdate")
def resolve_tracking_update(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return update_tracking(state, args)


@mutation("fulfillmentTrackingInfoUpdateV2")
def resolve_tracking_update_v2(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return update_tracking(state, args)


@mutation("fulfillmentCancel")
def resolve_fulfillment_cancel(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    events: list[Event] = []
    with state.lock:
        fulfillment = state.fulfillments.get(args["id"])
        if fulfillment is None:
            return {
                "fulfillment": None,
                "userErrors": [{"field": ["id"], "message": "Fulfillment not found."}],
            }
        if fulfillment["status"] == "CANCELLED":  # Shopify: a no-op answering the cancelled fulfilment
            return {"fulfillment": fulfillment_view(state, fulfillment), "userErrors": []}
        order = state.orders[fulfillment["order_id"]]
        cancel_fulfillment(state, order, fulfillment)
        events = [("fulfillments/update", fulfillment_body(state, fulfillment))]
        events += order_events(state, order, ["orders/updated"])
        view = fulfillment_view(state, fulfillment)
    publish(state, events)
    return {"fulfillment": view, "userErrors": []}


def cancel_fulfillment(state: ShopState, order: dict[str, Any], fulfillment: dict[str, Any]) -> None:
    """Unship the fulfilment's units (under the lock)."""
    lines = {line["id"]: line for line in order["line_items"]}
    back = []
    for item in fulfillment["line_items"]:
        line = lines[item["line_item_id"]]
        line["fulfilled"] -= item["quantity"]
        move(state, line, fulfillment["location_id"], item["quantity"], {"committed": 1})
        back.append({**line, "quantity": item["quantity"]})
        _restore_remaining(state, order, line["id"], item["quantity"])
    fulfillment["status"], fulfillment["display_status"] = "CANCELLED", "CANCELED"
    fulfillment["updated_at"] = state.now_iso()
    location = order["location_id"]
    order["location_id"] = fulfillment["location_id"] or location
    open_fulfillment_order(state, order, back)
    order["location_id"] = location
    if order["cancelled_at"] is None:
        order["closed_at"] = None
    touch(state, order)


def _restore_remaining(state: ShopState, order: dict[str, Any], line_id: str, quantity: int) -> None:
    for fo_id in order["fulfillment_order_ids"]:
        for item in state.fulfillment_orders[fo_id]["line_items"]:
            if item["line_item_id"] == line_id and quantity > 0:
                restored = min(quantity, item["total_quantity"] - item["remaining_quantity"])
                item["remaining_quantity"] += restored
                quantity -= restored


def close_when_done(state: ShopState, order: dict[str, Any]) -> None:
    """Shopify archives (closes) an order once it is paid and fulfilled (the default setting)."""
    if fig.fulfillment_status(order) == "FULFILLED" and fig.financial_status(order) == "PAID":
        order["closed_at"] = order["closed_at"] or state.now_iso()
