"""Bulk operations take time: CREATED -> RUNNING -> COMPLETED, cancel while running, query rules.

Shopify's documented behaviour (shopify.dev, "Perform bulk operations with the GraphQL Admin API"
and bulkOperationRunQuery): an operation is created, runs, then completes; completedAt, url and
fileSize are null until it has completed; a running operation can be cancelled (CANCELING, then
CANCELED); the query must contain at least one connection and nest them at most two deep.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from sandbox_catalog_support import GraphQL, data_of
from test_bulk import PRODUCTS, RUN, run, wait_finished

from shopbridge.sandbox.shopify.server import SandboxServer

FULL = (
    "query($id: ID!) { bulkOperation(id: $id) { id status completedAt url fileSize objectCount errorCode } }"
)
CANCEL = (
    "mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status } "
    "userErrors { field message } } }"
)


def read(gql: GraphQL, op_id: str) -> dict[str, Any]:
    node: dict[str, Any] = data_of(gql(FULL, {"id": op_id}))["bulkOperation"]
    return node


def statuses_until_done(sandbox: SandboxServer, gql: GraphQL, op_id: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    pause = threading.Event()
    for _ in range(400):
        node = read(gql, op_id)
        seen.append(node)
        if node["status"] in ("COMPLETED", "FAILED", "CANCELED"):
            return seen
        pause.wait(0.01)
    raise AssertionError("the bulk operation did not finish")


def test_an_operation_is_created_then_runs_then_completes(sandbox: SandboxServer, gql: GraphQL) -> None:
    sandbox.state.bulk_timing.base_s = 0.4
    op_id = run(gql, PRODUCTS)["bulkOperation"]["id"]
    seen = statuses_until_done(sandbox, gql, op_id)
    order = list(dict.fromkeys(node["status"] for node in seen))
    assert order == ["CREATED", "RUNNING", "COMPLETED"]
    unfinished = [node for node in seen if node["status"] != "COMPLETED"]
    assert all(n["completedAt"] is None and n["url"] is None and n["fileSize"] is None for n in unfinished)
    done = seen[-1]
    assert done["completedAt"] and done["url"] and int(done["fileSize"]) > 0


def test_the_time_grows_with_the_object_count(sandbox: SandboxServer) -> None:
    from shopbridge.sandbox.shopify.bulk_runner import duration_s

    sandbox.state.bulk_timing.per_object_s = 0.001
    assert duration_s(sandbox.state, 1000) > duration_s(sandbox.state, 10) > 0


def test_a_running_operation_can_be_cancelled(sandbox: SandboxServer, gql: GraphQL) -> None:
    sandbox.state.bulk_timing.base_s = 5.0
    op_id = run(gql, PRODUCTS)["bulkOperation"]["id"]
    cancelled = data_of(gql(CANCEL, {"id": op_id}))["bulkOperationCancel"]
    assert cancelled["userErrors"] == []
    assert cancelled["bulkOperation"]["status"] == "CANCELING"
    finished = wait_finished(sandbox, gql, op_id)
    assert finished["status"] == "CANCELED"
    assert finished["url"] is None


def test_cancelling_a_finished_operation_is_a_user_error(sandbox: SandboxServer, gql: GraphQL) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    op_id = run(gql, PRODUCTS)["bulkOperation"]["id"]
    wait_finished(sandbox, gql, op_id)
    payload = data_of(gql(CANCEL, {"id": op_id}))["bulkOperationCancel"]
    assert payload["userErrors"][0]["message"] == "A bulk operation cannot be canceled when it is completed"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ shop { name } }", "Bulk queries must contain at least one connection."),
        (
            "{ products { edges { node { variants { edges { node { inventoryItem { "
            "inventoryLevels { edges { node { id } } } } } } } } } } }",
            "Bulk queries cannot contain connections with a nesting depth greater than 2.",
        ),
    ],
)
def test_bulk_query_rules_are_invalid_on_query(gql: GraphQL, query: str, message: str) -> None:
    payload = data_of(gql(RUN, {"q": query}))["bulkOperationRunQuery"]
    assert payload["bulkOperation"] is None
    assert payload["userErrors"] == [{"field": ["query"], "message": message, "code": "INVALID"}]


def test_two_levels_of_connections_are_accepted(sandbox: SandboxServer, gql: GraphQL) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    inner = "{ inventoryItems { edges { node { id inventoryLevels { edges { node { id } } } } } } }"
    assert run(gql, inner)["userErrors"] == []


@pytest.mark.parametrize(
    "arguments",
    ["", "first: 5, last: 5"],
)
def test_bulk_operations_listing_needs_first_or_last_not_both(gql: GraphQL, arguments: str) -> None:
    query = f"{{ bulkOperations{f'({arguments})' if arguments else ''} {{ nodes {{ id }} }} }}"
    body = gql(query).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_bulk_operations_listing_refuses_a_bad_created_at(gql: GraphQL) -> None:
    body = gql('{ bulkOperations(first: 5, query: "created_at:yesterday-ish") { nodes { id } } }').json()
    assert "created_at" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_bulk_operations_listing_filters_by_created_at_and_status(
    sandbox: SandboxServer, gql: GraphQL
) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    op_id = run(gql, PRODUCTS)["bulkOperation"]["id"]
    wait_finished(sandbox, gql, op_id)
    listed = data_of(
        gql(
            '{ bulkOperations(first: 5, query: "created_at:>=2000-01-01 status:completed") { nodes { id } } }'
        )
    )
    assert listed["bulkOperations"]["nodes"] == [{"id": op_id}]
    later = data_of(gql('{ bulkOperations(first: 5, query: "created_at:>2999-01-01") { nodes { id } } }'))
    assert later["bulkOperations"]["nodes"] == []


@pytest.mark.parametrize(
    ("raw_id", "code"),
    [("not-an-id", "INVALID_VARIABLE"), ("gid://shopify/Product/1", "RESOURCE_NOT_FOUND")],
)
def test_bulk_operation_ids_are_checked(gql: GraphQL, raw_id: str, code: str) -> None:
    for document in (FULL, CANCEL):
        body = gql(document, {"id": raw_id}).json()
        assert body["errors"][0]["extensions"]["code"] == code


def test_an_unknown_bulk_operation_reads_as_null(gql: GraphQL) -> None:
    assert data_of(gql(FULL, {"id": "gid://shopify/BulkOperation/999"}))["bulkOperation"] is None


def test_the_bulk_timing_is_a_control_setting_never_instant(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    answer = client.post("/_sandbox/settings", json={"bulk_base_s": 0.2, "bulk_per_object_s": 0.001}).json()
    assert (answer["bulk_base_s"], answer["bulk_per_object_s"]) == (0.2, 0.001)
    assert sandbox.state.bulk_timing.base_s == 0.2
    assert client.post("/_sandbox/settings", json={"bulk_base_s": 0}).status_code == 400
    assert sandbox.state.bulk_timing.base_s == 0.2
