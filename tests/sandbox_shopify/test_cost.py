"""Calculated query cost, the leaky bucket, THROTTLED and the single-query and input limits."""

from __future__ import annotations

import httpx
import pytest
from graphql import parse
from sandbox_catalog_support import GraphQL, data_of

from shopbridge.sandbox.shopify.cost import LeakyBucket, requested_cost
from shopbridge.sandbox.shopify.schema import admin_schema
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{ shop { name currencyCode } }", 1),  # one object, scalars free
        ("{ products(first: 10) { nodes { id title } } }", 2 + 10 * 1),  # connection: 2 + first x node
        ("{ products(first: 10) { edges { cursor node { id } } pageInfo { hasNextPage } } }", 2 + 10 * 1),
        (
            "{ products(first: 3) { nodes { variants(first: 5) { nodes { id } } } } }",
            2 + 3 * (1 + 2 + 5),
        ),  # nested x
        ('mutation { customerCreate(input: {email: "a@b.c"}) { userErrors { message } } }', 10),
        (
            '{ product(id: "gid://shopify/Product/1") { title '
            "priceRangeV2 { maxVariantPrice { amount } } } }",
            1,
        ),
    ],
)
def test_requested_cost_follows_shopify_rules(document: str, expected: int) -> None:
    assert requested_cost(admin_schema(), parse(document)) == expected


def test_variables_size_connections() -> None:
    document = parse("query($n: Int!) { locations(first: $n) { nodes { id } } }")
    assert requested_cost(admin_schema(), document, None, {"n": 7}) == 2 + 7


def test_actual_cost_counts_only_returned_nodes(gql: GraphQL) -> None:
    cost = gql("{ locations(first: 50) { nodes { id } } }").json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 52
    assert cost["actualQueryCost"] == 2 + 2  # the standard catalogue has two locations


def test_the_difference_between_requested_and_actual_is_refunded(
    sandbox: SandboxServer, client: httpx.Client, gql: GraphQL
) -> None:
    client.post("/_sandbox/settings", json={"restore_rate": 0, "bucket_size": 500, "refill": True})
    cost = gql("{ locations(first: 50) { nodes { id } } }").json()["extensions"]["cost"]
    assert cost["throttleStatus"]["currentlyAvailable"] == 500 - cost["actualQueryCost"]


def test_bucket_drains_then_answers_throttled_with_cost(client: httpx.Client, gql: GraphQL) -> None:
    client.post("/_sandbox/settings", json={"restore_rate": 0, "bucket_size": 30, "refill": True})
    query = "mutation { customerCreate(input: {}) { userErrors { message } } }"  # costs 10
    statuses = [gql(query).json() for _ in range(4)]
    assert all("data" in body for body in statuses[:3])
    throttled = statuses[3]
    assert throttled["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert throttled["extensions"]["cost"]["requestedQueryCost"] == 10
    assert throttled["extensions"]["cost"]["throttleStatus"] == {
        "maximumAvailable": 30,
        "currentlyAvailable": 0,
        "restoreRate": 0,
    }


def test_throttled_can_be_answered_with_429(client: httpx.Client, gql: GraphQL) -> None:
    client.post(
        "/_sandbox/settings",
        json={"restore_rate": 0, "bucket_size": 5, "refill": True, "throttle_as_429": True},
    )
    response = gql("mutation { customerCreate(input: {}) { userErrors { message } } }")
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_bucket_restores_at_the_restore_rate() -> None:
    now = [0.0]
    bucket = LeakyBucket(maximum=100, restore_rate=10, clock=lambda: now[0])
    assert bucket.try_charge(100)
    assert not bucket.try_charge(1)
    now[0] = 2.5
    assert bucket.status()["currentlyAvailable"] == 25
    assert not bucket.try_charge(26)
    assert bucket.try_charge(25)
    now[0] = 1000.0
    assert bucket.status()["currentlyAvailable"] == 100  # never above the bucket size


def test_query_over_1000_points_is_refused_before_running(gql: GraphQL) -> None:
    body = gql("{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }").json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["message"].startswith(
        "Query cost is 63252, which exceeds the single query max cost limit (1000)."
    )
    assert "data" not in body
    assert body["extensions"]["cost"]["requestedQueryCost"] == 63252


def test_input_array_over_250_items_is_refused(gql: GraphQL) -> None:
    quantities = [
        {
            "inventoryItemId": f"gid://shopify/InventoryItem/{i}",
            "locationId": "gid://shopify/Location/1",
            "quantity": 1,
            "changeFromQuantity": None,
        }
        for i in range(251)
    ]
    query = (
        "mutation S($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
        '@idempotent(key: "k") { userErrors { message } } }'
    )
    variables = {"input": {"name": "available", "reason": "correction", "quantities": quantities}}
    error = gql(query, variables).json()["errors"][0]
    assert error["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert "251" in error["message"]
    assert error["path"] == ["input", "quantities"]


def test_pages_larger_than_250_are_refused(gql: GraphQL) -> None:
    body = gql("{ locations(first: 251) { nodes { id } } }").json()
    assert body["errors"][0]["message"] == "The 'first' and 'last' arguments must not exceed 250."


def test_connection_pages_with_cursors(gql: GraphQL) -> None:
    query = (
        "query($after: String) { products(first: 2, after: $after) "
        "{ nodes { title } pageInfo { hasNextPage endCursor } } }"
    )
    titles: list[str] = []
    after = None
    while True:
        page = data_of(gql(query, {"after": after}))["products"]
        titles += [n["title"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(titles) == len(set(titles)) == 6
