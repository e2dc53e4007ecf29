"""The streamed bulk path writes exactly the file graphql-core's executor would, or steps aside."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import parse

from shopbridge.connectors.shopify.inventory_audit import LEVELS_QUERY
from shopbridge.connectors.shopify.reconcile_bulk import day_orders_query
from shopbridge.sandbox.shopify import scenario_actions as act
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
    "{ products { edges { node { ...p } } } } fragment p on Product { id title }",
    "{ products { edges { node { id ... on Product { title } } } } }",
    "{ products { edges { node { id ...p title } } } } fragment p on Product { title handle ...q }"
    " fragment q on Product { id status }",
]
NOT_STREAMABLE = [
    "{ products { edges { node { id title @include(if: true) } } } }",
    "{ products { edges { node { id ...p } } } } fragment p on Product { title @skip(if: false) }",
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


def _trading_day(sandbox: SandboxServer) -> None:
    """Orders of every shape the day query meets: with and without a customer, shipping, a discount,
    refunded in part and in full, edited, fulfilled, and one bought for a company (B2B)."""
    from shopbridge.sandbox.shopify.checkout import place_order

    state, rng = sandbox.state, random.Random(5)
    orders = []
    for n in range(12):
        request: dict[str, Any] = {
            "lines": [{"sku": sku, "quantity": 1 + n % 3} for sku in ("TEE-S", "MUG-01")[: 1 + n % 2]],
            "tax": {"title": "VAT", "rate": "0.2"},
            "taxes_included": n % 2 == 0,
            "payment": "paid",
            "shipping_address": {"countryCode": "GB", "city": "London", "address1": "1 High St"},
        }
        if n % 4:
            request["customer"] = {"email": f"day{n}@example.com", "firstName": "Day", "lastName": str(n)}
        if n % 3 == 0:
            request["shipping"] = {"title": "Standard", "price": "4.99", "code": "STD"}
        orders.append(place_order(state, request))
    act.refund_full(state, orders[1], restock=False)
    act.refund_partial(state, rng, orders[2])
    act.edit(state, rng, orders[3], [v["id"] for v in state.variants.values()][:3], add_only=True)
    act.fulfil(state, rng, orders[4])
    with state.lock:
        orders[5]["company_id"] = "gid://shopify/Company/1"
        orders[5]["company_name"] = "Acme Ltd"


def _day_queries() -> list[str]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = day_orders_query(today, today + timedelta(days=1))
    typed = (
        "{ orders { edges { node { id purchasingEntity { __typename ... on Customer { id email }"
        " ... on PurchasingCompany { company { id name } } } customer { id numberOfOrders"
        " amountSpent { amount } } } } } }"
    )
    return [day, typed]


@pytest.mark.parametrize("which", [0, 1])
def test_the_reconciliation_day_query_streams_exactly_what_the_executor_writes(
    sandbox: SandboxServer, which: int
) -> None:
    """The queries shopbridge sends in bulk over the day's orders (fragments, a union read through
    inline fragments): the streamed file is byte for byte the executor's."""
    _trading_day(sandbox)
    document = parse(_day_queries()[which])
    streamed = streamed_jsonl(sandbox.state, document)  # raises NotFast if it stepped aside
    assert streamed == executed_jsonl(sandbox.state, document)
    lines = _lines(streamed[0])
    assert streamed[2] == 12 and len(lines) == streamed[1]
    if which == 0:
        companies = [ln for ln in lines if (ln.get("purchasingEntity") or {}).get("company")]
        assert companies == [
            ln
            for ln in lines
            if ln.get("purchasingEntity", {})
            == {"__typename": "PurchasingCompany", "company": {"id": "gid://shopify/Company/1"}}
        ]
        assert len(companies) == 1
        assert any(ln["id"].startswith("gid://shopify/LineItem/") for ln in lines)


def test_an_abstract_value_of_no_possible_type_leaves_the_outcome_to_the_executor(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopbridge.sandbox.shopify import order_views

    _trading_day(sandbox)
    document = parse(_day_queries()[1])
    monkeypatch.setattr(order_views, "_purchasing_entity", lambda state, order: {"__typename": "Product"})
    with pytest.raises(NotFast):
        streamed_jsonl(sandbox.state, document)
    with pytest.raises(RuntimeError):  # the executor refuses it too: the operation FAILS either way
        build_jsonl(sandbox.state, document)
