"""``fulfillmentCreate`` with tracking: remaining quantities go down, stock leaves the shelf."""

from __future__ import annotations

from typing import Any

from .. import order_figures as fig
from ..fulfillment_views import fulfillment_view
from ..order_events import Event, fulfillment_event, order_events, publish, touch
from ..order_model import ship_stock
from ..order_views import fulfillment_order_view
from ..registry import ResolveInfo, mutation, query
from ..state import ShopState
from .fulfillment_changes import close_when_done  # also registers the tracking and cancel mutations
from .node import NODE_LOADERS

# Carriers Shopify knows get a tracking URL when none is given (a few; Shopify's list is longer).
_CARRIER_URLS = {
    "UPS": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL Express": "https://www.dhl.com/en/express/tracking.html?AWB={}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
}
NOT_FOUND = "Fulfillment order does not exist."
_FULFILMENT_TOPICS = {
    "FULFILLED": "orders/fulfilled",
    "PARTIALLY_FULFILLED": "orders/partially_fulfilled",
    "UNFULFILLED": "orders/updated",
}
BAD_QUANTITY = "Invalid fulfillment order line item quantity requested."


@mutation("fulfillmentCreate")
def resolve_fulfillment_create(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    data = args["fulfillment"]
    events: list[Event] = []
    with state.lock:
        plan, errors = plan_fulfillment(state, data.get("lineItemsByFulfillmentOrder") or [])
        if errors:
            return {"fulfillment": None, "userErrors": errors}
        fulfillment = apply_fulfillment(state, plan, data.get("trackingInfo") or {})
        order = state.orders[fulfillment["order_id"]]
        topics = list(dict.fromkeys([_FULFILMENT_TOPICS[fig.fulfillment_status(order)], "orders/updated"]))
        events = [fulfillment_event(state, fulfillment), *order_events(state, order, topics)]
        view = fulfillment_view(state, fulfillment)
    publish(state, events)
    return {"fulfillment": view, "userErrors": []}


Plan = list[tuple[dict[str, Any], dict[str, Any], int]]  # (fulfilment order, its line item, quantity)


def plan_fulfillment(state: ShopState, groups: list[dict[str, Any]]) -> tuple[Plan, list[dict[str, Any]]]:
    """What to ship from which fulfilment order; over-fulfilment and unknown ids are userErrors."""
    plan: Plan = []
    orders: set[str] = set()
    for group in groups:
        fo = state.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fo is None or fo["status"] in ("CLOSED", "CANCELLED"):
            return [], [{"field": ["fulfillment"], "message": NOT_FOUND}]
        orders.add(fo["order_id"])
        steps = _steps(fo, group.get("fulfillmentOrderLineItems"))
        if steps is None:
            return [], [{"field": ["fulfillment"], "message": BAD_QUANTITY}]
        plan.extend((fo, item, qty) for item, qty in steps)
    if len(orders) != 1 or not plan:
        return [], [{"field": ["fulfillment"], "message": BAD_QUANTITY}]
    return plan, []


def _steps(
    fo: dict[str, Any], wanted: list[dict[str, Any]] | None
) -> list[tuple[dict[str, Any], int]] | None:
    items = {item["id"]: item for item in fo["line_items"]}
    if wanted is None:  # no line items named: everything that remains
        return [
            (item, item["remaining_quantity"]) for item in fo["line_items"] if item["remaining_quantity"] > 0
        ]
    steps = []
    for entry in wanted:
        item = items.get(entry["id"])
        quantity = int(entry["quantity"])
        if item is None or quantity <= 0 or quantity > item["remaining_quantity"]:
            return None
        steps.append((item, quantity))
    return steps


def apply_fulfillment(state: ShopState, plan: Plan, tracking: dict[str, Any]) -> dict[str, Any]:
    order = state.orders[plan[0][0]["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}
    for fo, item, quantity in plan:
        item["remaining_quantity"] -= quantity
        line = lines[item["line_item_id"]]
        line["fulfilled"] += quantity
        ship_stock(state, line, fo["location_id"], quantity)
        fo["status"] = (
            "CLOSED" if all(i["remaining_quantity"] == 0 for i in fo["line_items"]) else "IN_PROGRESS"
        )
    fulfillment = _record(state, order, plan, tracking)
    state.fulfillments[fulfillment["id"]] = fulfillment
    order["fulfillment_ids"].append(fulfillment["id"])
    close_when_done(state, order)
    touch(state, order)
    return fulfillment


def _record(state: ShopState, order: dict[str, Any], plan: Plan, tracking: dict[str, Any]) -> dict[str, Any]:
    now = state.now_iso()
    numbers = _as_list(tracking.get("number"), tracking.get("numbers"))
    company = tracking.get("company")
    urls = _as_list(tracking.get("url"), tracking.get("urls")) or _carrier_urls(company, numbers)
    return {
        "id": state.new_gid("Fulfillment"),
        "order_id": order["id"],
        "name": f"{order['name']}-F{len(order['fulfillment_ids']) + 1}",
        "status": "SUCCESS",
        "display_status": "FULFILLED",
        "created_at": now,
        "updated_at": now,
        "location_id": plan[0][0]["location_id"],
        "tracking_company": company,
        "tracking_numbers": numbers,
        "tracking_urls": urls,
        "line_items": [
            {
                "id": state.new_gid("FulfillmentLineItem"),
                "line_item_id": item["line_item_id"],
                "quantity": qty,
            }
            for _, item, qty in plan
        ],
    }


def _as_list(one: Any, many: Any) -> list[str]:
    if many:
        return [str(v) for v in many]
    return [str(one)] if one else []


def _carrier_urls(company: Any, numbers: list[str]) -> list[str]:
    template = _CARRIER_URLS.get(str(company)) if company else None
    return [template.format(n) for n in numbers] if template else []


def _load_fulfillment(state: ShopState, gid: str) -> dict[str, Any] | None:
    with state.lock:
        fulfillment = state.fulfillments.get(gid)
        return fulfillment_view(state, fulfillment) if fulfillment else None


def _load_fulfillment_order(state: ShopState, gid: str) -> dict[str, Any] | None:
    with state.lock:
        fo = state.fulfillment_orders.get(gid)
        return fulfillment_order_view(state, fo) if fo else None


NODE_LOADERS["Fulfillment"] = _load_fulfillment
NODE_LOADERS["FulfillmentOrder"] = _load_fulfillment_order


@query("fulfillment")
def resolve_fulfillment(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return _load_fulfillment(state, args["id"])


@query("fulfillmentOrder")
def resolve_fulfillment_order(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    return _load_fulfillment_order(state, args["id"])
