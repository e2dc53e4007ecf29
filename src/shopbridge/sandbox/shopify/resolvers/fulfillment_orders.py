"""``fulfillmentOrderMove``, ``fulfillmentOrderHold`` and ``fulfillmentOrderReleaseHold``.

What Shopify documents (shopify.dev, the mutations' pages and their user-error enums, 2026-07):

* **Move** changes the location assigned to a fulfilment order's unfulfilled lines (all of them when
  ``fulfillmentOrderLineItems`` is left out). A fulfilment order with nothing fulfilled that moves
  whole moves itself; otherwise the moved quantities become a new fulfilment order at the new
  location (``movedFulfillmentOrder``) and the original keeps the rest (``originalFulfillmentOrder``).
  A closed fulfilment order cannot move. Committed stock follows the units to the new location.
* **Hold** puts a fulfilment order (or some of its lines, split off into a fulfilment order of their
  own) ``ON_HOLD`` with a reason; up to 10 holds per app and fulfilment order, handles unique.
* **Release** lifts the named holds (all when ``holdIds`` is left out); with none left the fulfilment
  order is ``OPEN`` again (``IN_PROGRESS`` if some of it was fulfilled).

Messages for the codes come from the enums' descriptions; where Shopify documents no wording (moving
a closed fulfilment order, holding one), the sandbox's own is listed in FIDELITY.md.
"""

from __future__ import annotations

from typing import Any

from ..order_stock import move
from ..order_views import fulfillment_order_view
from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .fulfillment import BAD_QUANTITY, NOT_FOUND

CANNOT_MOVE = "Cannot change location."
HOLD_NOT_FOUND = "The fulfillment order could not be found."
RELEASE_NOT_FOUND = "The fulfillment order wasn't found."
HOLD_LIMIT = 10
_LIVE = ("OPEN", "IN_PROGRESS", "ON_HOLD", "SCHEDULED")
Lines = list[tuple[dict[str, Any], int]]


@mutation("fulfillmentOrderMove")
def resolve_move(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    empty = {
        "movedFulfillmentOrder": None,
        "originalFulfillmentOrder": None,
        "remainingFulfillmentOrder": None,
    }
    with state.lock:
        fo = state.fulfillment_orders.get(args["id"])
        if fo is None:
            return {**empty, "userErrors": [_error(["id"], NOT_FOUND)]}
        location = args["newLocationId"]
        if fo["status"] not in ("OPEN", "IN_PROGRESS") or location not in state.locations:
            return {**empty, "userErrors": [_error(["id"], CANNOT_MOVE)]}
        lines = _lines(fo, args.get("fulfillmentOrderLineItems"))
        if lines is None:
            return {**empty, "userErrors": [_error(["fulfillmentOrderLineItems"], BAD_QUANTITY)]}
        if fo["location_id"] == location or not lines:
            return {**empty, "userErrors": [_error(["newLocationId"], CANNOT_MOVE)]}
        moved = _move(state, fo, lines, location)
        return {
            "movedFulfillmentOrder": fulfillment_order_view(state, moved),
            "originalFulfillmentOrder": fulfillment_order_view(state, fo),
            "remainingFulfillmentOrder": None,  # deprecated; Shopify answers null since 2024-x
            "userErrors": [],
        }


def _lines(fo: dict[str, Any], wanted: list[dict[str, Any]] | None) -> Lines | None:
    """(line, quantity) to move or hold: the named ones, or every unfulfilled one."""
    if not wanted:
        return [(item, item["remaining_quantity"]) for item in fo["line_items"] if item["remaining_quantity"]]
    items = {item["id"]: item for item in fo["line_items"]}
    chosen: Lines = []
    for entry in wanted:
        item = items.get(entry["id"])
        quantity = int(entry["quantity"])
        if item is None or quantity <= 0 or quantity > item["remaining_quantity"]:
            return None
        chosen.append((item, quantity))
    return chosen


def _move(state: ShopState, fo: dict[str, Any], lines: Lines, location: str) -> dict[str, Any]:
    order = state.orders[fo["order_id"]]
    by_id = {line["id"]: line for line in order["line_items"]}
    for item, quantity in lines:
        line = by_id[item["line_item_id"]]
        move(state, line, fo["location_id"], quantity, {"committed": -1, "available": 1})
        move(state, line, location, quantity, {"available": -1, "committed": 1})
    if _whole(fo, lines):
        fo["location_id"] = location
        return fo
    return _split(state, fo, lines, location=location, status="OPEN")


def _whole(fo: dict[str, Any], lines: Lines) -> bool:
    """Every unit of the fulfilment order is in ``lines`` and none was fulfilled."""
    untouched = all(item["remaining_quantity"] == item["total_quantity"] for item in fo["line_items"])
    taken = {item["id"]: quantity for item, quantity in lines}
    return untouched and all(taken.get(item["id"], 0) == item["total_quantity"] for item in fo["line_items"])


def _split(
    state: ShopState, fo: dict[str, Any], lines: Lines, *, location: str, status: str
) -> dict[str, Any]:
    """A new fulfilment order taking ``lines`` off ``fo``; ``fo`` closes if nothing is left to do."""
    new_id = state.new_gid("FulfillmentOrder")
    split = {**fo, "id": new_id, "location_id": location, "status": status, "created_at": state.now_iso()}
    split["holds"] = []
    split["line_items"] = []
    for item, quantity in lines:
        item["total_quantity"] -= quantity
        item["remaining_quantity"] -= quantity
        split["line_items"].append(
            {
                "id": state.new_gid("FulfillmentOrderLineItem"),
                "line_item_id": item["line_item_id"],
                "total_quantity": quantity,
                "remaining_quantity": quantity,
            }
        )
    fo["line_items"] = [item for item in fo["line_items"] if item["total_quantity"] > 0]
    if all(item["remaining_quantity"] == 0 for item in fo["line_items"]):
        fo["status"] = "CLOSED"
    state.fulfillment_orders[new_id] = split
    state.orders[fo["order_id"]]["fulfillment_order_ids"].append(new_id)
    return split


@mutation("fulfillmentOrderHold")
def resolve_hold(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    empty = {"fulfillmentHold": None, "fulfillmentOrder": None, "remainingFulfillmentOrder": None}
    data = args["fulfillmentHold"]
    with state.lock:
        fo = state.fulfillment_orders.get(args["id"])
        if fo is None:
            return {**empty, "userErrors": [_error(["id"], HOLD_NOT_FOUND, "FULFILLMENT_ORDER_NOT_FOUND")]}
        error = _hold_refusal(fo, data)
        if error is not None:
            return {**empty, "userErrors": [error]}
        lines = _lines(fo, data.get("fulfillmentOrderLineItems"))
        if lines is None:
            field = ["fulfillmentHold", "fulfillmentOrderLineItems"]
            return {**empty, "userErrors": [_error(field, BAD_QUANTITY, "INVALID_LINE_ITEM_QUANTITY")]}
        held, rest = _held_part(state, fo, lines)
        hold = _new_hold(state, data)
        held.setdefault("holds", []).append(hold)
        held["status"] = "ON_HOLD"
        return {
            "fulfillmentHold": _hold_view(hold),
            "fulfillmentOrder": fulfillment_order_view(state, held),
            "remainingFulfillmentOrder": fulfillment_order_view(state, rest) if rest else None,
            "userErrors": [],
        }


def _hold_refusal(fo: dict[str, Any], data: dict[str, Any]) -> dict[str, Any] | None:
    holds = fo.get("holds") or []
    if fo["status"] not in _LIVE:
        return _error(["id"], f"Fulfillment order is {fo['status'].lower()} and cannot be put on hold.")
    if len(holds) >= HOLD_LIMIT:
        message = (
            "The maximum number of fulfillment holds for this fulfillment order has been reached "
            "for this app. An app can only have up to 10 holds on a single fulfillment order at any one time."
        )
        return _error(["id"], message, "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED")
    handle = data.get("handle") or ""
    if any(h["handle"] == handle for h in holds):
        message = (
            "The handle provided for the fulfillment hold is already in use by this app for another "
            "hold on this fulfillment order."
        )
        return _error(["fulfillmentHold", "handle"], message, "DUPLICATE_FULFILLMENT_HOLD_HANDLE")
    return None


def _held_part(
    state: ShopState, fo: dict[str, Any], lines: Lines
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The fulfilment order to hold (``fo`` itself, or the lines split off) and what stays unheld."""
    if _all_open_units(fo, lines):
        return fo, None
    return _split(state, fo, lines, location=fo["location_id"], status="OPEN"), fo


def _all_open_units(fo: dict[str, Any], lines: Lines) -> bool:
    taken = {item["id"]: quantity for item, quantity in lines}
    return all(taken.get(item["id"], 0) == item["remaining_quantity"] for item in fo["line_items"])


def _new_hold(state: ShopState, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": state.new_gid("FulfillmentHold"),
        "reason": data["reason"],
        "reason_notes": data.get("reasonNotes"),
        "handle": data.get("handle") or "",
    }


def _hold_view(hold: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": hold["id"],
        "reason": hold["reason"],
        "reasonNotes": hold["reason_notes"],
        "handle": hold["handle"] or None,
        "displayReason": str(hold["reason"]).replace("_", " ").capitalize(),
        "heldByRequestingApp": True,
        "heldByApp": None,
    }


@mutation("fulfillmentOrderReleaseHold")
def resolve_release(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> Any:
    with state.lock:
        fo = state.fulfillment_orders.get(args["id"])
        if fo is None:
            error = _error(["id"], RELEASE_NOT_FOUND, "FULFILLMENT_ORDER_NOT_FOUND")
            return {"fulfillmentOrder": None, "userErrors": [error]}
        wanted = args.get("holdIds")
        holds = fo.get("holds") or []
        fo["holds"] = [h for h in holds if wanted is not None and h["id"] not in wanted]
        if fo["status"] == "ON_HOLD" and not fo["holds"]:
            touched = any(item["remaining_quantity"] < item["total_quantity"] for item in fo["line_items"])
            fo["status"] = "IN_PROGRESS" if touched else "OPEN"
        return {"fulfillmentOrder": fulfillment_order_view(state, fo), "userErrors": []}


def hold_views(fo: dict[str, Any]) -> list[dict[str, Any]]:
    """The fulfilment order's ``fulfillmentHolds``."""
    return [_hold_view(hold) for hold in fo.get("holds") or ()]


def _error(field: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}
