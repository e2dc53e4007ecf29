"""Inventory quantities as Shopify defines them, over the shop state (no GraphQL here).

``on_hand`` is not stored: it is available + committed + reserved + damaged + quality_control +
safety_stock (shopify.dev "Inventory states"). ``incoming`` is tracked beside it and is not part
of on_hand.
"""

from __future__ import annotations

from typing import Any

from .state import ShopState, numeric_id

STORED_NAMES = (
    "available",
    "committed",
    "reserved",
    "damaged",
    "quality_control",
    "safety_stock",
    "incoming",
)
ON_HAND_PARTS = ("available", "committed", "reserved", "damaged", "quality_control", "safety_stock")
ALL_NAMES = (*STORED_NAMES, "on_hand")


def level_key(item_id: str, location_id: str) -> tuple[str, str]:
    return (item_id, location_id)


def level(state: ShopState, item_id: str, location_id: str) -> dict[str, int] | None:
    """The stored quantities of an item at a location, or None when it is not stocked there."""
    return state.inventory_levels.get(level_key(item_id, location_id))


def quantity(levels: dict[str, int], name: str) -> int:
    if name == "on_hand":
        return sum(levels.get(part, 0) for part in ON_HAND_PARTS)
    return levels.get(name, 0)


def activate(state: ShopState, item_id: str, location_id: str, available: int = 0) -> dict[str, int]:
    """Stock the item at the location (idempotent: an active level is left as it is)."""
    with state.lock:
        key = level_key(item_id, location_id)
        if key not in state.inventory_levels:
            state.inventory_levels[key] = {name: 0 for name in STORED_NAMES}
            state.inventory_levels[key]["available"] = available
            level_gid = state.new_gid("InventoryLevel")
            state.level_ids[key] = f"{level_gid}?inventory_item_id={numeric_id(item_id)}"
            state.level_stamps[key] = state.now_iso()
        return state.inventory_levels[key]


def set_quantity(state: ShopState, item_id: str, location_id: str, name: str, value: int) -> int:
    """Set a named quantity; setting on_hand moves the difference into available. Returns delta."""
    with state.lock:
        levels = state.inventory_levels[level_key(item_id, location_id)]
        delta = value - quantity(levels, name)
        stored = "available" if name == "on_hand" else name
        levels[stored] = levels.get(stored, 0) + delta
        state.level_stamps[level_key(item_id, location_id)] = state.now_iso()
        return delta


def adjust_quantity(state: ShopState, item_id: str, location_id: str, name: str, delta: int) -> int:
    """Add ``delta`` to a named quantity (on_hand adjusts available). Returns the value after."""
    with state.lock:
        levels = state.inventory_levels[level_key(item_id, location_id)]
        stored = "available" if name == "on_hand" else name
        levels[stored] = levels.get(stored, 0) + delta
        state.level_stamps[level_key(item_id, location_id)] = state.now_iso()
        return quantity(levels, name)


def item_levels(state: ShopState, item_id: str) -> list[tuple[str, dict[str, int]]]:
    """(location id, quantities) for every location where the item is stocked, in location order."""
    # By location, not by scanning every level: a bulk read of a large shop asks this once per item.
    with state.lock:
        levels = state.inventory_levels
        return [(loc, levels[(item_id, loc)]) for loc in state.locations if (item_id, loc) in levels]


def total_available(state: ShopState, item_id: str) -> int:
    return sum(q.get("available", 0) for _, q in item_levels(state, item_id))


def level_snapshot(state: ShopState, item_id: str, location_id: str) -> dict[str, Any]:
    levels = level(state, item_id, location_id) or {}
    return {name: quantity(levels, name) for name in ALL_NAMES}
