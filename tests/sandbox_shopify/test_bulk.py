"""Bulk operations: run a query over the whole shop, poll, download JSONL with __parentId."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
from sandbox_catalog_support import GraphQL, data_of

from shopbridge.sandbox.shopify.bulk_runner import jsonl_from_data
from shopbridge.sandbox.shopify.server import SandboxServer

RUN = (
    "mutation($q: String!) { bulkOperationRunQuery(query: $q, "
    "groupObjects: false) { bulkOperation { id status } "
    "userErrors { field message code } } }"
)
POLL = (
    "query($id: ID!) { node(id: $id) { ... on BulkOperation { id "
    "status url objectCount rootObjectCount errorCode } } }"
)
PRODUCTS = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }"


def run(gql: GraphQL, inner: str) -> dict[str, Any]:
    payload: dict[str, Any] = data_of(gql(RUN, {"q": inner}))["bulkOperationRunQuery"]
    return payload


def wait_finished(sandbox: SandboxServer, gql: GraphQL, op_id: str) -> dict[str, Any]:
    """Poll like a client would, bounded by a generous deadline (not a timing assertion)."""
    done = threading.Event()
    sandbox.state.events.subscribe(
        lambda topic, body: done.set() if body.get("admin_graphql_api_id") == op_id else None
    )
    for _ in range(200):
        node: dict[str, Any] = data_of(gql(POLL, {"id": op_id}))["node"]
        if node["status"] in ("COMPLETED", "FAILED", "CANCELED"):
            return node
        done.wait(0.05)
    raise AssertionError(f"bulk operation {op_id} did not finish")


def test_bulk_query_produces_jsonl_with_parent_ids(sandbox: SandboxServer, gql: GraphQL) -> None:
    started = run(gql, PRODUCTS)
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED"
    finished = wait_finished(sandbox, gql, started["bulkOperation"]["id"])
    assert finished["status"] == "COMPLETED"
    lines = [json.loads(line) for line in httpx.get(finished["url"]).text.splitlines()]
    products = [line for line in lines if "__parentId" not in line]
    variants = [line for line in lines if "__parentId" in line]
    assert int(finished["rootObjectCount"]) == len(products) == 6
    assert int(finished["objectCount"]) == len(lines)
    assert all("variants" not in p for p in products)
    tee = next(p for p in products if p["title"] == "Classic Tee")
    assert sorted(v["sku"] for v in variants if v["__parentId"] == tee["id"]) == ["TEE-L", "TEE-M", "TEE-S"]


def test_bulk_finish_publishes_bulk_operations_finish(sandbox: SandboxServer, gql: GraphQL) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    sandbox.state.events.subscribe(lambda topic, body: events.append((topic, body)))
    op_id = run(gql, "{ locations { edges { node { id } } } }")["bulkOperation"]["id"]
    wait_finished(sandbox, gql, op_id)
    finish = [body for topic, body in events if topic == "bulk_operations/finish"]
    assert finish[0]["admin_graphql_api_id"] == op_id
    assert (finish[0]["status"], finish[0]["type"]) == ("completed", "query")


def test_current_bulk_operation_reports_the_latest(sandbox: SandboxServer, gql: GraphQL) -> None:
    op_id = run(gql, PRODUCTS)["bulkOperation"]["id"]
    wait_finished(sandbox, gql, op_id)
    current = data_of(gql("{ currentBulkOperation { id status } }"))["currentBulkOperation"]
    assert current == {"id": op_id, "status": "COMPLETED"}


def test_invalid_bulk_query_is_a_user_error(gql: GraphQL) -> None:
    payload = run(gql, "{ products { edges { node { bogus } } } }")
    assert payload["bulkOperation"] is None
    assert payload["userErrors"][0]["code"] == "INVALID"
    assert "bogus" in payload["userErrors"][0]["message"]


def test_a_sixth_concurrent_bulk_query_is_refused(sandbox: SandboxServer, gql: GraphQL) -> None:
    sandbox.state.bulk_timing.base_s = 2.0  # keep the first five running while the sixth is asked for
    ids = [run(gql, "{ locations { edges { node { id } } } }")["bulkOperation"]["id"] for _ in range(5)]
    refused = run(gql, "{ locations { edges { node { id } } } }")
    assert refused["bulkOperation"] is None
    assert refused["userErrors"][0]["code"] == "LIMIT_REACHED"
    for op_id in ids:
        assert wait_finished(sandbox, gql, op_id)["status"] == "COMPLETED"


def test_jsonl_layout_for_nested_connections_of_nodes() -> None:
    data = {
        "products": {
            "nodes": [
                {
                    "id": "P1",
                    "variants": {"nodes": [{"id": "V1", "levels": {"edges": [{"node": {"id": "L1"}}]}}]},
                }
            ]
        }
    }
    text, objects, roots = jsonl_from_data(data)
    assert [json.loads(line) for line in text.splitlines()] == [
        {"id": "P1"},
        {"id": "V1", "__parentId": "P1"},
        {"id": "L1", "__parentId": "V1"},
    ]
    assert (objects, roots) == (3, 1)


def test_bulk_query_reads_inventory_levels_under_items(sandbox: SandboxServer, gql: GraphQL) -> None:
    inner = (
        "{ inventoryItems { edges { node { id sku inventoryLevels { edges { node { id "
        'location { id } quantities(names: ["available", "on_hand"]) { name quantity } } } } } } } }'
    )
    finished = wait_finished(sandbox, gql, run(gql, inner)["bulkOperation"]["id"])
    lines = [json.loads(line) for line in httpx.get(finished["url"]).text.splitlines()]
    items = {line["id"]: line for line in lines if "__parentId" not in line}
    levels = [line for line in lines if "__parentId" in line]
    assert len(levels) == 2 * sum(1 for item in items.values() if item["sku"] != "BUNDLE-BRK")
    assert all(level["__parentId"] in items for level in levels)
    assert {q["name"] for q in levels[0]["quantities"]} == {"available", "on_hand"}
