"""Inventory answers held against Shopify: adjustments list on_hand too, errors name every bad id.

The adjustment expectation comes from the real capture
``tests/fixtures/shopify/captures-2025-01/products/inventory-adjust-then-has-out-of-stock-variants-parity.json``
(copied from shared/reference/shopify/captures-2025-01/products/): adjusting ``available`` by
-1 answers two changes, ``available`` and ``on_hand``, both with delta -1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sandbox_catalog_support import GraphQL, data_of
from test_inventory import ADJUST, LOC, first_item, quantities, set_doc, set_input

CAPTURE = (
    Path(__file__).parents[1]
    / "fixtures/shopify/captures-2025-01/products/inventory-adjust-then-has-out-of-stock-variants-parity.json"
)


def adjust_input(item: str, location: str, delta: int, name: str = "available") -> dict[str, Any]:
    change = {"inventoryItemId": item, "locationId": location, "delta": delta, "changeFromQuantity": None}
    return {"input": {"name": name, "reason": "correction", "changes": [change]}}


def test_adjusting_available_lists_available_and_on_hand_with_the_same_delta(gql: GraphQL) -> None:
    recorded = json.loads(CAPTURE.read_text())["adjust"]["response"]["data"]["inventoryAdjustQuantities"]
    recorded_changes = [(c["name"], c["delta"]) for c in recorded["inventoryAdjustmentGroup"]["changes"]]
    item = first_item(gql, "BOTTLE-01")
    before = quantities(gql, item, LOC)
    answer = data_of(gql(ADJUST.replace("{key}", "adj-1"), adjust_input(item, LOC, -1)))
    changes = answer["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert (
        [(c["name"], c["delta"]) for c in changes] == recorded_changes == [("available", -1), ("on_hand", -1)]
    )
    after = quantities(gql, item, LOC)
    assert (after["available"], after["on_hand"]) == (before["available"] - 1, before["on_hand"] - 1)


def test_adjusting_damaged_lists_only_damaged(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    variables = adjust_input(item, LOC, 2, name="damaged")
    variables["input"]["referenceDocumentUri"] = "gid://erp/Damage/2"
    answer = data_of(gql(ADJUST.replace("{key}", "adj-2"), variables))
    changes = answer["inventoryAdjustQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert [(c["name"], c["delta"]) for c in changes] == [("damaged", 2)]


def test_missing_change_from_quantity_on_an_adjustment_names_the_input(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    variables = adjust_input(item, LOC, 1)
    del variables["input"]["changes"][0]["changeFromQuantity"]
    body = gql(ADJUST.replace("{key}", "adj-3"), variables).json()
    assert body["errors"][0]["message"] == (
        "InventoryChangeInput must include the following argument: changeFromQuantity."
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"


def test_an_invalid_adjustment_name_lists_the_valid_names(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    answer = data_of(gql(ADJUST.replace("{key}", "adj-4"), adjust_input(item, LOC, 1, name="sold")))
    error = answer["inventoryAdjustQuantities"]["userErrors"][0]
    assert error["code"] == "INVALID_QUANTITY_NAME"
    assert error["field"] == ["input", "name"]
    for name in (
        "available",
        "damaged",
        "quality_control",
        "safety_stock",
        "reserved",
        "incoming",
        "on_hand",
    ):
        assert name in error["message"]


def test_an_invalid_set_name_lists_the_valid_names(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    answer = data_of(gql(set_doc("s-1"), set_input(item, LOC, 1, None, name="damaged")))
    error = answer["inventorySetQuantities"]["userErrors"][0]
    assert error["message"] == "The quantity name must be either 'available' or 'on_hand'."


def test_an_unknown_item_and_an_unknown_location_give_both_errors(gql: GraphQL) -> None:
    item, location = "gid://shopify/InventoryItem/999999", "gid://shopify/Location/999999"
    set_answer = data_of(gql(set_doc("s-2"), set_input(item, location, 1, None)))["inventorySetQuantities"]
    assert [(e["field"][-1], e["code"]) for e in set_answer["userErrors"]] == [
        ("inventoryItemId", "INVALID_INVENTORY_ITEM"),
        ("locationId", "INVALID_LOCATION"),
    ]
    adjust_answer = data_of(gql(ADJUST.replace("{key}", "adj-5"), adjust_input(item, location, 1)))
    assert [e["code"] for e in adjust_answer["inventoryAdjustQuantities"]["userErrors"]] == [
        "INVALID_INVENTORY_ITEM",
        "INVALID_LOCATION",
    ]


def test_adjusting_at_a_known_location_where_the_item_is_not_stocked(gql: GraphQL) -> None:
    created = data_of(
        gql(
            'mutation { productCreate(product: {title: "Fresh"}) { product { variants(first: 1) '
            "{ nodes { inventoryItem { id } } } } userErrors { message } } }"
        )
    )
    item = created["productCreate"]["product"]["variants"]["nodes"][0]["inventoryItem"]["id"]
    answer = data_of(gql(ADJUST.replace("{key}", "adj-6"), adjust_input(item, "gid://shopify/Location/2", 1)))
    assert answer["inventoryAdjustQuantities"]["userErrors"][0]["code"] == "ITEM_NOT_STOCKED_AT_LOCATION"
