"""Inventory writes: inventoryActivate, inventorySetQuantities (CAS), inventoryAdjustQuantities.

Both quantity mutations need ``@idempotent(key:)`` since 2026-04 and are replayed, not re-applied,
for a repeated key. inventorySetQuantities takes ``changeFromQuantity`` on every quantity: the
expected current value (compare-and-swap) or an explicit null to skip the check; leaving it out is
an error since 2026-04. Every change is checked before any is applied (all or nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from .. import inventory_model as inv
from ..idempotency import run_idempotent
from ..payloads_catalog import inventory_level_payload
from ..registry import ResolveInfo, mutation
from ..state import ShopState
from .catalog import item_node, level_node, location_node
from .common import user_error
from .node import node_loader

Record = dict[str, Any]
SET_NAMES = ("available", "on_hand")
ADJUST_NAMES = ("available", "damaged", "quality_control", "safety_stock", "reserved", "incoming", "on_hand")
MAX_QUANTITY = 1_000_000_000
LEDGER_NAMES = ("damaged", "quality_control", "safety_stock", "reserved", "incoming", "on_hand")


@mutation("inventoryActivate")
def inventory_activate(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    item_id, location_id = str(args["inventoryItemId"]), str(args["locationId"])
    if item_id not in state.inventory_items:
        error = user_error(["inventoryItemId"], "Inventory item does not exist")
        return {"inventoryLevel": None, "userErrors": [error]}
    if location_id not in state.locations:
        return {"inventoryLevel": None, "userErrors": [user_error(["locationId"], "Location does not exist")]}
    with state.lock:
        fresh = inv.level(state, item_id, location_id) is None
        inv.activate(state, item_id, location_id, int(args.get("available") or 0))
        if fresh and args.get("onHand") is not None:
            inv.set_quantity(state, item_id, location_id, "on_hand", int(args["onHand"]))
    state.events.publish("inventory_levels/update", inventory_level_payload(state, item_id, location_id))
    return {"inventoryLevel": level_node(state, item_id, location_id), "userErrors": []}


def _set_errors(state: ShopState, data: Record) -> list[Record]:
    if data["name"] not in SET_NAMES:
        return [
            user_error(
                ["input", "name"],
                "The quantity name must be either 'available' or 'on_hand'.",
                "INVALID_NAME",
            )
        ]
    duplicates = _duplicate_pairs(data["quantities"])
    if duplicates:
        return duplicates
    errors: list[Record] = []
    for i, q in enumerate(data["quantities"]):
        errors += _quantity_errors(state, data["name"], i, q)
    return errors


def _duplicate_pairs(quantities: list[Record]) -> list[Record]:
    """Shopify names every entry of a repeated (item, location) pair, the first one included."""
    pairs = [(str(q["inventoryItemId"]), str(q["locationId"])) for q in quantities]
    message = "The combination of inventoryItemId and locationId must be unique."
    return [
        user_error(
            ["input", "quantities", str(i), "locationId"],
            message,
            "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
        )
        for i, pair in enumerate(pairs)
        if pairs.count(pair) > 1
    ]


def _unknown_ids(state: ShopState, path: list[str], item_id: str, location_id: str) -> list[Record]:
    """An unknown item and an unknown location are both reported (Shopify checks them apart)."""
    errors: list[Record] = []
    if item_id not in state.inventory_items:
        message = "The specified inventory item could not be found."
        errors.append(user_error([*path, "inventoryItemId"], message, "INVALID_INVENTORY_ITEM"))
    if location_id not in state.locations:
        message = "The specified location could not be found."
        errors.append(user_error([*path, "locationId"], message, "INVALID_LOCATION"))
    return errors


def _quantity_errors(state: ShopState, name: str, i: int, q: Record) -> list[Record]:
    path = ["input", "quantities", str(i)]
    item_id, location_id = str(q["inventoryItemId"]), str(q["locationId"])
    unknown = _unknown_ids(state, path, item_id, location_id)
    if unknown:
        return unknown
    levels = inv.level(state, item_id, location_id)
    if levels is None:
        message = "The specified inventory item is not stocked at the location."
        return [user_error([*path, "locationId"], message, "ITEM_NOT_STOCKED_AT_LOCATION")]
    if q["quantity"] > MAX_QUANTITY:
        message = "The quantity can't be higher than 1,000,000,000."
        return [user_error([*path, "quantity"], message, "INVALID_QUANTITY_TOO_HIGH")]
    expected = q.get("changeFromQuantity")
    if expected is not None and expected != inv.quantity(levels, name):
        message = "The specified compare quantity does not match the current quantity."
        return [user_error([*path, "changeFromQuantity"], message, "CHANGE_FROM_QUANTITY_STALE")]
    return []


def require_change_from(quantities: list[Record], input_type: str) -> None:
    """Since 2026-04 every quantity must carry changeFromQuantity (null allowed, absence not).

    Shopify answers a top-level error naming the input type (``InventoryQuantityInput`` for a set,
    ``InventoryChangeInput`` for an adjustment) with code INVALID_FIELD_ARGUMENTS.
    """
    if any("changeFromQuantity" not in q for q in quantities):
        raise GraphQLError(
            f"{input_type} must include the following argument: changeFromQuantity.",
            extensions={"code": "INVALID_FIELD_ARGUMENTS"},
        )


def adjustment_group(state: ShopState, data: Record, changes: list[Record]) -> Record:
    order = {name: i for i, name in reversed(list(enumerate(c["name"] for c in changes)))}
    changes = sorted(changes, key=lambda c: order[c["name"]])  # Shopify lists changes grouped by name
    with state.lock:
        gid = state.new_gid("InventoryAdjustmentGroup")
        group = {"id": gid, "created_at": state.now_iso(), "reason": data["reason"], "changes": changes}
        group["reference_document_uri"] = data.get("referenceDocumentUri")
        state.adjustment_groups[gid] = group
    return group_node(state, group)


def group_node(state: ShopState, group: Record) -> Record:
    def changes(
        inventoryItemIds: Any = None, locationIds: Any = None, quantityNames: Any = None, **_: Any
    ) -> list[Record]:
        return [
            _change_node(state, c)
            for c in group["changes"]
            if (not inventoryItemIds or c["item_id"] in inventoryItemIds)
            and (not locationIds or c["location_id"] in locationIds)
            and (not quantityNames or c["name"] in quantityNames)
        ]

    return {
        "__typename": "InventoryAdjustmentGroup",
        "id": group["id"],
        "createdAt": group["created_at"],
        "reason": group["reason"],
        "referenceDocumentUri": group["reference_document_uri"],
        "app": None,
        "staffMember": None,
        "changes": changes,
    }


def _change_node(state: ShopState, change: Record) -> Record:
    return {
        "name": change["name"],
        "delta": change["delta"],
        # Shopify answers null here (captures: set and move on 2025-01); "after" is kept for the state view.
        "quantityAfterChange": None,
        "ledgerDocumentUri": change.get("ledger"),
        "item": lambda: item_node(state, state.inventory_items[change["item_id"]]),
        "location": lambda: location_node(state, state.locations[change["location_id"]]),
    }


def _apply_set(state: ShopState, data: Record) -> list[Record]:
    changes: list[Record] = []
    for q in data["quantities"]:
        item_id, location_id = str(q["inventoryItemId"]), str(q["locationId"])
        delta = inv.set_quantity(state, item_id, location_id, data["name"], int(q["quantity"]))
        changes += _set_changes(item_id, location_id, data["name"], delta, state)
    return changes


def _set_changes(item_id: str, location_id: str, name: str, delta: int, state: ShopState) -> list[Record]:
    levels = inv.level(state, item_id, location_id) or {}
    names = ("available", "on_hand")  # setting either moves both: on_hand includes available
    del name
    return [
        {
            "item_id": item_id,
            "location_id": location_id,
            "name": n,
            "delta": delta,
            "after": inv.quantity(levels, n),
        }
        for n in names
    ]


@mutation("inventorySetQuantities")
def inventory_set_quantities(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    require_change_from(data["quantities"], "InventoryQuantityInput")
    return run_idempotent(state, info, args, lambda: _set_quantities(state, data), failed_payload)


def failed_payload(error: Record) -> Record:
    return {"inventoryAdjustmentGroup": None, "userErrors": [error]}


def _set_quantities(state: ShopState, data: Record) -> Record:
    with state.lock:
        errors = _set_errors(state, data)
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = _apply_set(state, data)
    announce(state, changes)
    return {"inventoryAdjustmentGroup": adjustment_group(state, data, changes), "userErrors": []}


def announce(state: ShopState, changes: list[Record]) -> None:
    for item_id, location_id in dict.fromkeys((c["item_id"], c["location_id"]) for c in changes):
        state.events.publish("inventory_levels/update", inventory_level_payload(state, item_id, location_id))


def _adjust_errors(state: ShopState, data: Record) -> list[Record]:
    if data["name"] not in ADJUST_NAMES:
        valid = ", ".join(ADJUST_NAMES)
        message = f"The specified quantity name is invalid. Valid values are: {valid}."
        return [user_error(["input", "name"], message, "INVALID_QUANTITY_NAME")]
    if data["name"] in LEDGER_NAMES and not data.get("referenceDocumentUri") and not _all_ledgers(data):
        message = "A ledger document URI is required except when adjusting available."
        return [
            user_error(["input", "changes", "0", "ledgerDocumentUri"], message, "INVALID_QUANTITY_DOCUMENT")
        ]
    errors: list[Record] = []
    for i, c in enumerate(data["changes"]):
        errors += _change_errors(state, data["name"], i, c)
    return errors


def _all_ledgers(data: Record) -> bool:
    return all(c.get("ledgerDocumentUri") for c in data["changes"])


def _change_errors(state: ShopState, name: str, i: int, c: Record) -> list[Record]:
    path = ["input", "changes", str(i)]
    item_id, location_id = str(c["inventoryItemId"]), str(c["locationId"])
    unknown = _unknown_ids(state, path, item_id, location_id)
    if unknown:
        return unknown
    levels = inv.level(state, item_id, location_id)
    if levels is None:
        message = "The inventory item is not stocked at the location."
        return [user_error([*path, "locationId"], message, "ITEM_NOT_STOCKED_AT_LOCATION")]
    expected = c.get("changeFromQuantity")
    if expected is not None and expected != inv.quantity(levels, name):
        message = "The changeFromQuantity argument no longer matches the persisted quantity."
        return [user_error([*path, "changeFromQuantity"], message, "CHANGE_FROM_QUANTITY_STALE")]
    return []


def _adjust_quantities(state: ShopState, data: Record) -> Record:
    with state.lock:
        errors = _adjust_errors(state, data)
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = [change for c in data["changes"] for change in _apply_adjust(state, data["name"], c)]
    announce(state, changes)
    return {"inventoryAdjustmentGroup": adjustment_group(state, data, changes), "userErrors": []}


def _apply_adjust(state: ShopState, name: str, c: Record) -> list[Record]:
    """The listed changes of one adjustment: adjusting available (or on_hand) moves both by the delta.

    Shopify lists ``available`` and ``on_hand`` with the same delta for an adjustment of available
    (capture inventory-adjust-then-has-out-of-stock-variants-parity.json), as it does for a set.
    """
    item_id, location_id, delta = str(c["inventoryItemId"]), str(c["locationId"]), int(c["delta"])
    inv.adjust_quantity(state, item_id, location_id, name, delta)
    levels = inv.level(state, item_id, location_id) or {}
    names = SET_NAMES if name in SET_NAMES else (name,)
    return [
        {
            "item_id": item_id,
            "location_id": location_id,
            "name": n,
            "delta": delta,
            "after": inv.quantity(levels, n),
            "ledger": c.get("ledgerDocumentUri") if n == name else None,
        }
        for n in names
    ]


@mutation("inventoryAdjustQuantities")
def inventory_adjust_quantities(state: ShopState, args: Record, info: ResolveInfo) -> Record:
    data = args["input"]
    require_change_from(data["changes"], "InventoryChangeInput")
    apply: Callable[[], Record] = lambda: _adjust_quantities(state, data)  # noqa: E731
    return run_idempotent(state, info, args, apply, failed_payload)


@node_loader("InventoryAdjustmentGroup")
def _load_group(state: ShopState, gid: str) -> Record | None:
    group = state.adjustment_groups.get(gid)
    return group_node(state, group) if group else None
