"""A warehouse listed by several locations is offered at its home, the first location listing it."""

from __future__ import annotations

from shopbridge.domain.stock_homes import home_of, own_warehouses, pending_at_homes

WAREHOUSES = {"L1": ("MAIN",), "L2": ("MAIN", "NORTH"), "L3": ("SOUTH",)}


def test_the_first_location_listing_a_warehouse_is_its_home() -> None:
    assert home_of(WAREHOUSES) == {"MAIN": "L1", "NORTH": "L2", "SOUTH": "L3"}
    assert own_warehouses(WAREHOUSES) == {"L1": ["MAIN"], "L2": ["NORTH"], "L3": ["SOUTH"]}


def test_pending_units_come_off_the_home_of_the_warehouse_their_orders_post_to() -> None:
    pending = {("TEE", "L1"): 1, ("TEE", "L2"): 2, ("TEE", "L3"): 4, ("TEE", "ELSEWHERE"): 8}
    # L2's orders post to its first warehouse, MAIN, whose home is L1.
    assert pending_at_homes(WAREHOUSES, pending) == {
        ("TEE", "L1"): 3,
        ("TEE", "L3"): 4,
        ("TEE", "ELSEWHERE"): 8,
    }
