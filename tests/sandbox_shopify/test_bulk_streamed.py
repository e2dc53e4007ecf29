"""The streamed bulk path writes exactly the file graphql-core's executor would, or steps aside."""

from __future__ import annotations

import json

import pytest
from graphql import parse

from shopbridge.connectors.shopify.inventory_audit import LEVELS_QUERY
from shopbridge.sandbox.shopify.bulk_fast import NotFast
from shopbridge.sandbox.shopify.bulk_runner import build_jsonl, executed_jsonl, streamed_jsonl
from shopbridge.sandbox.shopify.server import SandboxServer

STREAMABLE = [
    LEVELS_QUERY,
    "{ products { edges { node { id title status variants { edges { node { id sku price } } } } } } }",
    "{ products { nodes { __typename id handle totalInventory variants { nodes { id sku"
    " inventoryItem { id tracked unitCost { amount currencyCode } } } } } } }",
    "{ items: inventoryItems { edges { cursor node { id sku levels: inventoryLevels { edges { cursor"
    ' node { id updatedAt location { id name } quantities(names: ["available", "on_hand", "committed"])'
    " { name quantity } } } } } } } }",
    '{ productVariants(query: "sku:TEE-M") { edges { node { id sku product { id title } } } } }',
    "{ locations { edges { node { id name isActive } } } inventoryItems { nodes { id sku } } }",
]
NOT_STREAMABLE = [
    "{ products { edges { node { ...p } } } } fragment p on Product { id title }",
    "{ products { edges { node { id ... on Product { title } } } } }",
    "{ products { edges { node { id title @include(if: true) } } } }",
]


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("query", STREAMABLE)
def test_streamed_file_equals_the_executed_file(sandbox: SandboxServer, query: str) -> None:
    state = sandbox.state
    document = parse(query)
    streamed = streamed_jsonl(state, document)
    executed = executed_jsonl(state, document)
    assert streamed == executed
    assert streamed[1] >= streamed[2] > 0
    assert len(_lines(streamed[0])) == streamed[1]


@pytest.mark.parametrize("query", STREAMABLE[:4])
def test_streamed_nested_connections_are_parent_id_lines(sandbox: SandboxServer, query: str) -> None:
    lines = _lines(streamed_jsonl(sandbox.state, parse(query))[0])
    roots = {line["id"] for line in lines if "__parentId" not in line}
    children = [line for line in lines if "__parentId" in line]
    assert children and all(line["__parentId"] in roots for line in children)


@pytest.mark.parametrize("query", NOT_STREAMABLE)
def test_fragments_and_directives_fall_back_to_the_executor(sandbox: SandboxServer, query: str) -> None:
    document = parse(query)
    with pytest.raises(NotFast):
        streamed_jsonl(sandbox.state, document)
    assert build_jsonl(sandbox.state, document) == executed_jsonl(sandbox.state, document)


def test_a_null_in_a_non_null_field_leaves_the_outcome_to_the_executor(sandbox: SandboxServer) -> None:
    state = sandbox.state
    product = next(iter(state.products.values()))
    title, product["title"] = product["title"], None
    try:
        document = parse("{ products { edges { node { id title } } } }")
        with pytest.raises(NotFast):
            streamed_jsonl(state, document)
        with pytest.raises(RuntimeError):  # the executor's error: the operation FAILS, as before
            build_jsonl(state, document)
    finally:
        product["title"] = title
