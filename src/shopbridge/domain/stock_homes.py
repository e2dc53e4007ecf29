"""A warehouse listed by several Shopify locations is offered at one of them: its home.

Shopify sells the sum of a SKU's levels over its locations. Were a warehouse's free stock offered in
full at each location listing it, the shop would offer its units twice: two locations on one
warehouse of 40 show 80, and at a peak the second 40 sell before any sweep can catch up (issue 15's
oversells). So the warehouse's stock goes to its home, the first location listing it (config order);
another location listing it shows none of it. Orders taken at such a location still post to its
first warehouse, so their pending units come off that warehouse's home.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

__all__ = ["home_of", "own_warehouses", "pending_at_homes"]


def home_of(warehouses: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Warehouse -> the first location (in the mapping's order) that lists it."""
    homes: dict[str, str] = {}
    for location, listed in warehouses.items():
        for warehouse in listed:
            homes.setdefault(warehouse, location)
    return homes


def own_warehouses(warehouses: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Location -> the warehouses whose stock it offers: those it is the home of."""
    homes = home_of(warehouses)
    return {loc: [wh for wh in listed if homes[wh] == loc] for loc, listed in warehouses.items()}


def pending_at_homes(
    warehouses: Mapping[str, Sequence[str]], pending: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    """Pending units per (SKU, location), moved to the home of the warehouse their orders post to."""
    homes = home_of(warehouses)
    moved: Counter[tuple[str, str]] = Counter()
    for (sku, location), units in pending.items():
        listed = warehouses.get(location) or ()
        moved[(sku, homes[listed[0]] if listed else location)] += units
    return dict(moved)
