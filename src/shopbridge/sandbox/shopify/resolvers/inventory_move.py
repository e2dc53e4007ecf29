"""inventoryMoveQuantities: move units between quantity names at one location (available -> damaged).

Needs ``@idempotent(key:)`` since 2026-04 and ``changeFromQuantity`` (value or explicit null) on both
terminals. Names other than ``available`` need a ledger document URI. The whole move is checked
before anything is applied.
"""

from __future__ import annotations

from typing import Any

from .. import inventory_model as inv
from ..idempotency import run_idempotent
from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .common import user_error
from .inventory import adjustment_group, announce, failed_payload, require_change_from

Record = dict[str, Any]
MOVABLE = ("available", "damaged", "quality_control", "safety_stock", "reserved", "incoming")


def _terminal_errors(state: ShopState, item_id: str, path: list[str], end: Record) -> list[Record]:
    if end["name"] not in MOVABLE:
        return [
            user_error([*path, "name"], "The specified quantity name is invalid.", "INVALID_QUANTITY_NAME")
        ]
    if end["name"] != "available" and not end.get("ledgerDocumentUri"):
        message = "A ledger document URI is required except when adjusting available."
        return [user_error([*path, "ledgerDocumentUri"], message, "INVALID_QUANTITY_DOCUMENT")]
    levels = inv.level(state, item_id, str(end["locationId"]))
    if levels is None:
        message = "The specified inventory item is not stocked at the location."
        return [user_error([*path, "locationId"], message, "ITEM_NOT_STOCKED_AT_LOCATION")]
    expected = end.get("changeFromQuantity")
    if expected is not None and expected != inv.quantity(levels, end["name"]):
        message = "The changeFromQuantity argument no longer matches the persisted quantity."
        return [user_error([*path, "changeFromQuantity"], message, "CHANGE_FROM_QUANTITY_STALE")]
    return []


def _change_errors(state: ShopState, i: int, change: Record) -> list[Record]:
    path = ["input", "changes", str(i)]
    item_id, start, end = str(change["inventoryItemId"]), change["from"], change["to"]
    if item_id not in state.inventory_items:
        message = "The specified inventory item could not be found."
        return [user_error([*path, "inventoryItemId"], message, "INVALID_INVENTORY_ITEM")]
    if start["locationId"] != end["locationId"]:
        message = "The quantities can't be moved between different locations."
        return [user_error(path, message, "DIFFERENT_LOCATIONS")]
    if start["name"] == end["name"]:
        message = "The quantity names for each change can't be the same."
        return [user_error([*path, "to", "name"], message, "SAME_QUANTITY_NAME")]
    if change["quantity"] <= 0:
        return [
            user_error([*path, "quantity"], "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE")
        ]
    return _terminal_errors(state, item_id, [*path, "from"], start) or _terminal_errors(
        state, item_id, [*path, "to"], end
    )


def _apply(state: ShopState, change: Record) -> list[Record]:
    item_id, quantity = str(change["inventoryItemId"]), int(change["quantity"])
    moved = []
    for end, delta in ((change["from"], -quantity), (change["to"], quantity)):
        location_id = str(end["locationId"])
        after = inv.adjust_quantity(state, item_id, location_id, end["name"], delta)
        moved.append(
            {
                "item_id": item_id,
                "location_id": location_id,
                "name": end["name"],
                "delta": delta,
                "after": after,
            }
            | {"ledger": end.get("ledgerDocumentUri")}
        )
    return moved


def _move(state: ShopState, data: Record) -> Record:
    with state.lock:
        errors = [e for i, c in enumerate(data["changes"]) for e in _change_errors(state, i, c)]
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = [moved for c in data["changes"] for moved in _apply(state, c)]
    announce(state, changes)
    return {"inventoryAdjustmentGroup": adjustment_group(state, data, changes), "userErrors": []}


@mutation("inventoryMoveQuantities")
def inventory_move_quantities(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    require_change_from([c["from"] for c in data["changes"]], "InventoryMoveQuantityTerminalInput")
    require_change_from([c["to"] for c in data["changes"]], "InventoryMoveQuantityTerminalInput")
    return run_idempotent(state, info, args, lambda: _move(state, data), failed_payload)
