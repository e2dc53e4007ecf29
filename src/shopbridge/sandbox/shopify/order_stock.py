"""How orders move stock, and the ``inventory_levels/update`` webhooks that follow.

A line's stock is its variant's inventory item, or for a bundle the components' items (Shopify
bundles commit and ship their components: ``{"variant_id", "quantity"}`` per bundle unit, as the
catalogue stores them). Moves happen at one location; an item not stocked there is left alone, as
Shopify does for untracked or unstocked items. ``on_hand`` is never stored: it is the sum of the
stored states, so shipping (committed down) lowers it and a return (available up) raises it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .state import ShopState

Key = tuple[str, str]  # (inventory item, location)
Event = tuple[str, dict[str, Any]]


def stock_parts(state: ShopState, variant_id: str | None, item_id: str | None) -> list[tuple[str, int]]:
    """(inventory item, units per line unit) for a line of ``variant_id``."""
    variant = state.variants.get(variant_id or "", {})
    components = variant.get("components") or []
    if components:
        parts = [
            (state.variants.get(c["variant_id"], {}).get("inventory_item_id"), int(c["quantity"]))
            for c in components
        ]
        return [(str(item), units) for item, units in parts if item]
    return [(item_id, 1)] if item_id else []


def move(
    state: ShopState, line: dict[str, Any], location_id: str | None, quantity: int, per_unit: dict[str, int]
) -> bool:
    """Apply ``per_unit`` x ``quantity`` to every stocked part of ``line``; False if none is stocked."""
    moved = False
    if quantity <= 0 or not location_id:
        return False
    for item, units in stock_parts(state, line.get("variant_id"), line.get("inventory_item_id")):
        quantities = state.inventory_levels.get((item, location_id))
        if quantities is None:
            continue
        for name, delta in per_unit.items():
            quantities[name] = quantities.get(name, 0) + delta * units * quantity
        moved = True
    return moved


def keys_of(state: ShopState, lines: Iterable[Any]) -> list[Key]:
    """Every (item, location) the lines' stock could sit at (line dicts or LineSpecs)."""
    items: set[str] = set()
    for line in lines:
        get = line.get if isinstance(line, dict) else lambda k, _line=line: getattr(_line, k, None)
        items.update(item for item, _ in stock_parts(state, get("variant_id"), get("inventory_item_id")))
    return sorted(k for k in state.inventory_levels if k[0] in items)


def snapshot(state: ShopState, lines: Iterable[Any]) -> dict[Key, int]:
    """Available quantities before a change (call under the state lock)."""
    return {key: state.inventory_levels[key].get("available", 0) for key in keys_of(state, lines)}


def level_events(state: ShopState, before: dict[Key, int]) -> list[Event]:
    """``inventory_levels/update`` for every level whose available quantity changed since ``before``."""
    from .payloads_catalog import inventory_level_payload

    events = []
    for key, available in before.items():
        if state.inventory_levels[key].get("available", 0) != available:
            state.level_stamps[key] = state.now_iso()
            events.append(("inventory_levels/update", inventory_level_payload(state, *key)))
    return events
