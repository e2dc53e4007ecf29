"""bulkOperationRunQuery refuses what Shopify refuses, with Shopify's messages, and runs the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sandbox_catalog_support import GraphQL
from test_bulk import run

from shopbridge.connectors.shopify.inventory_audit import LEVELS_QUERY
from shopbridge.connectors.shopify.reconcile_bulk import day_orders_query
from shopbridge.sandbox.shopify.bulk_rules import (
    CONNECTION_IN_LIST,
    NO_CONNECTION,
    TOO_DEEP,
    TOO_MANY,
)
from shopbridge.sandbox.shopify.server import SandboxServer

REFUNDS_IN_BULK = (
    "{ orders { edges { node { id refunds { id refundLineItems { edges { node { id quantity } } } } } } } }"
)
REFUNDS_IN_A_FRAGMENT = (
    "{ orders { edges { node { id ...R } } } } "
    "fragment R on Order { refunds { id refundLineItems { edges { node { id } } } } }"
)
SIX_CONNECTIONS = (
    "{ products { edges { node { id variants { edges { node { id } } } media { edges { node { id } } }"
    " collections { edges { node { id } } } metafields { edges { node { id } } }"
    " sellingPlanGroups { edges { node { id } } } } } } }"
)
THREE_DEEP = (
    "{ products { edges { node { id variants { edges { node { id"
    " metafields { edges { node { id } } } } } } } } } }"
)
FIVE_CONNECTIONS = (
    "{ products { edges { node { id variants { edges { node { id } } } media { edges { node { id } } }"
    " collections { edges { node { id } } } metafields { edges { node { id } } } } } } }"
)


def _today_query() -> str:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day_orders_query(today, today + timedelta(days=1))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (REFUNDS_IN_BULK, CONNECTION_IN_LIST),
        (REFUNDS_IN_A_FRAGMENT, CONNECTION_IN_LIST),
        (SIX_CONNECTIONS, TOO_MANY),
        (THREE_DEEP, TOO_DEEP),
        ("{ shop { id name } }", NO_CONNECTION),
    ],
)
def test_a_query_beyond_the_limits_is_refused_with_shopify_s_message(
    gql: GraphQL, query: str, message: str
) -> None:
    refused = run(gql, query)
    assert refused["bulkOperation"] is None
    assert refused["userErrors"] == [{"field": ["query"], "message": message, "code": "INVALID"}]


def test_a_connection_in_a_list_is_refused_even_when_it_is_the_only_fault(gql: GraphQL) -> None:
    """``Order.refunds`` is a list: its ``refundLineItems`` connection cannot ride in a day's bulk."""
    refused = run(gql, REFUNDS_IN_BULK)
    assert [e["message"] for e in refused["userErrors"]] == [
        "Queries that contain a connection field within a list field are not currently supported."
    ]


def test_top_level_node_is_refused(gql: GraphQL) -> None:
    refused = run(gql, '{ node(id: "gid://shopify/Product/1") { id } }')
    messages = [e["message"] for e in refused["userErrors"]]
    assert messages[0] == "Bulk queries cannot contain a top level `node` field."


@pytest.mark.parametrize("query", [FIVE_CONNECTIONS, LEVELS_QUERY, "DAY"])
def test_queries_within_the_limits_run(sandbox: SandboxServer, gql: GraphQL, query: str) -> None:
    """Five connections two deep, list fields holding no connection (an order's ``transactions``,
    ``taxLines``), the reconciliation's day query with its fragments: all accepted."""
    started = run(gql, _today_query() if query == "DAY" else query)
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED"
