"""Inventory levels, named quantities, compare-and-swap and @idempotent on the quantity mutations."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from graphql import FieldNode, OperationDefinitionNode, parse
from sandbox_catalog_support import TOKEN, GraphQL, data_of

from shopbridge.sandbox.shopify import idempotency
from shopbridge.sandbox.shopify.idempotency import run_idempotent
from shopbridge.sandbox.shopify.server import SandboxServer
from shopbridge.sandbox.shopify.state import ShopState

SET = (
    "mutation Set($input: InventorySetQuantitiesInput!) {{ "
    "inventorySetQuantities(input: $input) {directive} {{"
    " inventoryAdjustmentGroup {{ reason referenceDocumentUri changes {{ name delta quantityAfterChange"
    " item {{ id }} location {{ id }} }} }} userErrors {{ field message code }} }} }}"
)
ADJUST = (
    "mutation Adj($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) "
    '@idempotent(key: "{key}") { inventoryAdjustmentGroup { changes { name delta quantityAfterChange } } '
    "userErrors { field message code } } }"
)
LEVEL = (
    "query($id: ID!, $loc: ID!) { inventoryItem(id: $id) { inventoryLevel(locationId: $loc) { quantities("
    'names: ["available", "on_hand", "committed", "reserved", "damaged", "quality_control", "safety_stock",'
    ' "incoming"]) { name quantity } } } }'
)


def set_doc(key: str | None) -> str:
    return SET.format(directive=f'@idempotent(key: "{key}")' if key else "")


def first_item(gql: GraphQL, sku: str) -> str:
    query = "query($q: String!) { inventoryItems(first: 5, query: $q) { nodes { id } } }"
    item_id: str = data_of(gql(query, {"q": f"sku:{sku}"}))["inventoryItems"]["nodes"][0]["id"]
    return item_id


def quantities(gql: GraphQL, item: str, location: str) -> dict[str, int]:
    level = data_of(gql(LEVEL, {"id": item, "loc": location}))["inventoryItem"]["inventoryLevel"]
    return {q["name"]: q["quantity"] for q in level["quantities"]}


def set_input(
    item: str, location: str, quantity: int, change_from: Any, name: str = "available"
) -> dict[str, Any]:
    q = {
        "inventoryItemId": item,
        "locationId": location,
        "quantity": quantity,
        "changeFromQuantity": change_from,
    }
    return {
        "input": {
            "name": name,
            "reason": "correction",
            "referenceDocumentUri": "gid://erp/Count/1",
            "quantities": [q],
        }
    }


LOC = "gid://shopify/Location/1"


def test_set_with_matching_change_from_quantity_applies(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    before = quantities(gql, item, LOC)["available"]
    payload = data_of(gql(set_doc("k-1"), set_input(item, LOC, before + 5, before)))["inventorySetQuantities"]
    assert payload["userErrors"] == []
    changes = {c["name"]: c for c in payload["inventoryAdjustmentGroup"]["changes"]}
    assert changes["available"]["delta"] == 5
    assert changes["available"]["quantityAfterChange"] is None  # as Shopify answers (captures)
    assert quantities(gql, item, LOC)["available"] == before + 5


def test_stale_change_from_quantity_is_refused_and_nothing_changes(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    before = quantities(gql, item, LOC)["available"]
    payload = data_of(gql(set_doc("k-2"), set_input(item, LOC, 99, before - 1)))["inventorySetQuantities"]
    assert payload["inventoryAdjustmentGroup"] is None
    assert payload["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"
    assert payload["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert quantities(gql, item, LOC)["available"] == before


def test_explicit_null_change_from_quantity_skips_the_check(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    payload = data_of(gql(set_doc("k-3"), set_input(item, LOC, 3, None)))["inventorySetQuantities"]
    assert payload["userErrors"] == []
    assert quantities(gql, item, LOC)["available"] == 3


def test_missing_change_from_quantity_is_an_error(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    variables = set_input(item, LOC, 3, None)
    del variables["input"]["quantities"][0]["changeFromQuantity"]
    body = gql(set_doc("k-4"), variables).json()
    assert body["errors"][0]["message"] == (
        "InventoryQuantityInput must include the following argument: changeFromQuantity."
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD_ARGUMENTS"
    assert body["data"] == {"inventorySetQuantities": None}


def test_missing_idempotent_directive_is_an_error(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    before = quantities(gql, item, LOC)["available"]
    body = gql(set_doc(None), set_input(item, LOC, before + 3, None)).json()
    assert body["errors"][0]["message"] == (
        "The @idempotent directive is required for this mutation but was not provided."
    )
    assert body["data"] == {"inventorySetQuantities": None}
    assert quantities(gql, item, LOC)["available"] == before


def test_same_key_same_input_replays_without_applying_twice(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    adjust = {
        "input": {
            "name": "available",
            "reason": "correction",
            "changes": [{"inventoryItemId": item, "locationId": LOC, "delta": 4, "changeFromQuantity": None}],
        }
    }
    before = quantities(gql, item, LOC)["available"]
    first = data_of(gql(ADJUST.replace("{key}", "same"), adjust))
    second = data_of(gql(ADJUST.replace("{key}", "same"), adjust))
    assert first == second
    assert quantities(gql, item, LOC)["available"] == before + 4


def test_same_key_different_input_is_a_parameter_mismatch(gql: GraphQL) -> None:
    item = first_item(gql, "BOTTLE-01")
    data_of(gql(set_doc("reused"), set_input(item, LOC, 5, None)))
    payload = data_of(gql(set_doc("reused"), set_input(item, LOC, 6, None)))["inventorySetQuantities"]
    assert payload["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert quantities(gql, item, LOC)["available"] == 5


def test_concurrent_use_of_a_key_is_refused_while_the_first_runs() -> None:
    state = ShopState()
    field = parse(
        'mutation { inventorySetQuantities(input: {}) @idempotent(key: "busy") { userErrors { code } } }'
    )
    operation = field.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    info: Any = SimpleNamespace(
        field_nodes=[node],
        field_name="inventorySetQuantities",
        context=None,
        variable_values=SimpleNamespace(coerced={}),
    )
    started, release = threading.Event(), threading.Event()

    def slow() -> dict[str, Any]:
        started.set()
        release.wait(5)
        return {"userErrors": []}

    worker = threading.Thread(
        target=run_idempotent, args=(state, info, {"a": 1}, slow, lambda e: {"userErrors": [e]})
    )
    worker.start()
    started.wait(5)
    second = run_idempotent(state, info, {"a": 1}, lambda: {"userErrors": []}, lambda e: {"userErrors": [e]})
    release.set()
    worker.join(5)
    assert second["userErrors"][0]["code"] == "IDEMPOTENCY_CONCURRENT_REQUEST"


def test_product_create_stocks_the_item_at_the_default_location_only(gql: GraphQL) -> None:
    """Shopify stocks a new product's item at the default location (0 available, 0 on hand);
    another location still needs inventoryActivate before a quantity can be set there."""
    created = data_of(
        gql(
            'mutation { productCreate(product: {title: "New thing"}) { product { variants(first: 1) '
            "{ nodes { inventoryItem { id } } } } userErrors { message } } }"
        )
    )
    item = created["productCreate"]["product"]["variants"]["nodes"][0]["inventoryItem"]["id"]
    assert (quantities(gql, item, LOC)["available"], quantities(gql, item, LOC)["on_hand"]) == (0, 0)
    accepted = data_of(gql(set_doc("a-0"), set_input(item, LOC, 4, 0)))["inventorySetQuantities"]
    assert accepted["userErrors"] == []
    other = "gid://shopify/Location/2"
    refused = data_of(gql(set_doc("a-1"), set_input(item, other, 4, None)))["inventorySetQuantities"]
    assert refused["userErrors"][0]["code"] == "ITEM_NOT_STOCKED_AT_LOCATION"
    activate = (
        "mutation($i: ID!, $l: ID!) { inventoryActivate(inventoryItemId: $i, "
        "locationId: $l) { inventoryLevel { id } userErrors { message } } }"
    )
    assert data_of(gql(activate, {"i": item, "l": other}))["inventoryActivate"]["userErrors"] == []
    accepted = data_of(gql(set_doc("a-2"), set_input(item, other, 4, 0)))["inventorySetQuantities"]
    assert accepted["userErrors"] == []


def test_on_hand_is_the_sum_of_its_parts_and_setting_it_moves_available(gql: GraphQL) -> None:
    item = first_item(gql, "TEE-S")
    adjust = {
        "input": {
            "name": "damaged",
            "reason": "damaged",
            "referenceDocumentUri": "gid://erp/Damage/1",
            "changes": [{"inventoryItemId": item, "locationId": LOC, "delta": 2, "changeFromQuantity": 0}],
        }
    }
    assert (
        data_of(gql(ADJUST.replace("{key}", "dmg"), adjust))["inventoryAdjustQuantities"]["userErrors"] == []
    )
    q = quantities(gql, item, LOC)
    parts = ("available", "committed", "reserved", "damaged", "quality_control", "safety_stock")
    assert q["on_hand"] == sum(q[p] for p in parts)
    assert q["damaged"] == 2
    data_of(gql(set_doc("oh"), set_input(item, LOC, q["on_hand"] + 10, q["on_hand"], name="on_hand")))
    after = quantities(gql, item, LOC)
    assert (after["on_hand"], after["available"], after["damaged"]) == (
        q["on_hand"] + 10,
        q["available"] + 10,
        2,
    )


@pytest.mark.parametrize("name", ["damaged", "committed", "incoming"])
def test_set_accepts_only_available_or_on_hand(gql: GraphQL, name: str) -> None:
    item = first_item(gql, "TEE-S")
    payload = data_of(gql(set_doc(f"n-{name}"), set_input(item, LOC, 1, None, name=name)))[
        "inventorySetQuantities"
    ]
    assert payload["userErrors"] == [
        {
            "field": ["input", "name"],
            "message": "The quantity name must be either 'available' or 'on_hand'.",
            "code": "INVALID_NAME",
        }
    ]


def test_inventory_change_publishes_inventory_levels_update(sandbox: SandboxServer, gql: GraphQL) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    sandbox.state.events.subscribe(lambda topic, body: seen.append((topic, body)))
    item = first_item(gql, "TEE-L")
    data_of(gql(set_doc("ev"), set_input(item, LOC, 12, None)))
    assert ("inventory_levels/update", seen[-1][1]) == seen[-1]
    assert seen[-1][1]["available"] == 12
    assert seen[-1][1]["inventory_item_id"] == int(item.rsplit("/", 1)[1])


def test_state_read_shows_levels_for_assertions(client: httpx.Client) -> None:
    levels = client.get("/_sandbox/state").json()["inventory_levels"]
    assert {"inventory_item_id", "location_id", "available", "committed"} <= set(levels[0])


def test_concurrent_adjustments_with_distinct_keys_all_apply(sandbox: SandboxServer, gql: GraphQL) -> None:
    item = first_item(gql, "TEE-M")
    before = quantities(gql, item, LOC)["available"]
    change = {"inventoryItemId": item, "locationId": LOC, "delta": 1, "changeFromQuantity": None}
    adjust = {"input": {"name": "available", "reason": "correction", "changes": [change]}}
    errors: list[object] = []

    def one(n: int) -> None:
        with httpx.Client(timeout=10) as http:
            body = http.post(
                sandbox.graphql_url,
                json={"query": ADJUST.replace("{key}", f"c-{n}"), "variables": adjust},
                headers={"X-Shopify-Access-Token": TOKEN},
            ).json()
            errors.extend(body.get("errors", []))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert quantities(gql, item, LOC)["available"] == before + 20


def test_retry_sent_while_the_first_attempt_is_in_flight_is_told_so(
    sandbox: SandboxServer, client: httpx.Client, gql: GraphQL
) -> None:
    item = first_item(gql, "TEE-M")
    variables = set_input(item, LOC, 8, None)
    client.post("/_sandbox/settings", json={"latency_ms": 1500})  # the first attempt stays in flight
    answers: list[dict[str, Any]] = []
    first = threading.Thread(target=lambda: answers.append(gql(set_doc("in-flight"), variables).json()))
    first.start()
    slot = "inventorySetQuantities:in-flight"
    claims = idempotency._CLAIMS.setdefault(id(sandbox.state), set())
    while slot not in claims and first.is_alive():
        threading.Event().wait(0.01)
    retry = gql(set_doc("in-flight"), variables).json()
    first.join(10)
    assert (
        retry["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "IDEMPOTENCY_CONCURRENT_REQUEST"
    )
    assert answers[0]["data"]["inventorySetQuantities"]["userErrors"] == []


MOVE = (
    "mutation M($input: InventoryMoveQuantitiesInput!) { inventoryMoveQuantities(input: $input) "
    '@idempotent(key: "{key}") { inventoryAdjustmentGroup { changes { name delta quantityAfterChange } } '
    "userErrors { field message code } } }"
)


def test_move_from_available_to_damaged_keeps_on_hand(gql: GraphQL) -> None:
    item = first_item(gql, "TEE-L")
    before = quantities(gql, item, LOC)
    change = {
        "inventoryItemId": item,
        "quantity": 2,
        "from": {"locationId": LOC, "name": "available", "changeFromQuantity": before["available"]},
        "to": {
            "locationId": LOC,
            "name": "damaged",
            "ledgerDocumentUri": "gid://erp/Damage/2",
            "changeFromQuantity": 0,
        },
    }
    variables = {
        "input": {"reason": "damaged", "referenceDocumentUri": "gid://erp/Move/1", "changes": [change]}
    }
    payload = data_of(gql(MOVE.replace("{key}", "mv"), variables))["inventoryMoveQuantities"]
    assert payload["userErrors"] == []
    assert [(c["name"], c["delta"]) for c in payload["inventoryAdjustmentGroup"]["changes"]] == [
        ("available", -2),
        ("damaged", 2),
    ]
    after = quantities(gql, item, LOC)
    assert (after["available"], after["damaged"], after["on_hand"]) == (
        before["available"] - 2,
        2,
        before["on_hand"],
    )
