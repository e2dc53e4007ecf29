"""Refunds of many orders, ten a read, read exactly as ``order_refunds`` reads each order's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate
from shopify_support import NodesRecorder, refunded_orders

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify import refunds_batch
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.documents import document
from shopbridge.connectors.shopify.refund_totals import units_refunded
from shopbridge.connectors.shopify.refunds_batch import refunds_of_orders
from shopbridge.domain.records import RefundTotal
from shopbridge.ports.shopify import ShopifyRefundBatchReads
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def test_the_document_is_valid_against_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    assert validate(admin_schema, parse(document("refunds_of_orders").text)) == []


def test_the_client_offers_the_batched_read(client: ShopifyClient) -> None:
    assert isinstance(client, ShopifyRefundBatchReads)


def test_batched_refunds_equal_the_refunds_read_one_order_at_a_time(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    made = refunded_orders(sandbox, 13)
    unknown = "gid://shopify/Order/999999"
    calls = client.stats.calls
    batched = client.refunds_of_orders([*made, unknown, made[0]])
    assert client.stats.calls - calls == 2  # 14 distinct orders, ten a read
    assert batched[unknown] == ()
    assert {order_id: batched[order_id] for order_id in made} == {
        order_id: client.order_refunds(order_id) for order_id in made
    }
    assert sum(len(refunds) for refunds in batched.values()) >= 13
    assert any(len(refunds) >= 2 for refunds in batched.values())


def test_refunded_units_count_as_the_order_read_counts_them(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    from shopbridge.connectors.shopify.orders import refunded_units

    made = refunded_orders(sandbox, 4)
    batched = client.refunds_of_orders(made)
    for order_id in made:
        totals = tuple(map(RefundTotal.of, batched[order_id]))
        assert units_refunded(totals) == refunded_units(client, {"id": order_id})


def _order(refunds: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "gid://shopify/Order/1", "name": "#1", "currencyCode": "GBP", "refunds": refunds}


def _refund(n: int, *, more_lines: bool = False) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Refund/{n}",
        "createdAt": "2026-12-01T10:00:00Z",
        "refundLineItems": {"pageInfo": {"hasNextPage": more_lines}, "nodes": []},
    }


@pytest.mark.parametrize(
    "refunds",
    [
        [_refund(1, more_lines=True)],  # a refund with more lines than the page
        [_refund(n) for n in range(refunds_batch.REFUNDS_PAGE)],  # a full page of refunds
    ],
)
def test_an_order_cut_short_is_read_again_alone(refunds: list[dict[str, Any]]) -> None:
    recorder = NodesRecorder("refunds_of_orders", _order(refunds))
    assert refunds_of_orders(recorder, ["1"]) == {"1": ()}  # the order read alone: Shopify's answer
    assert recorder.asked == ["refunds_of_orders", "refunds_of_order"]


def test_an_order_within_its_pages_is_not_read_again() -> None:
    recorder = NodesRecorder("refunds_of_orders", _order([_refund(1), _refund(2)]))
    found = refunds_of_orders(recorder, ["1", "2"])
    assert [r.shopify_id for r in found["1"]] == ["gid://shopify/Refund/1", "gid://shopify/Refund/2"]
    assert recorder.asked == ["refunds_of_orders"]


def test_refunded_orders_since_finds_partly_and_wholly_refunded_orders_only(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    made = refunded_orders(sandbox, 6)  # n % 3 partial refunds, every odd one refunded in full
    state = sandbox.state
    statuses = {order_id: state.orders[order_id] for order_id in made}
    refunded = {o for o, order in statuses.items() if fig.financial_status(order) != "PAID"}
    assert {fig.financial_status(statuses[o]) for o in refunded} == {"PARTIALLY_REFUNDED", "REFUNDED"}
    since = datetime.now(UTC) - timedelta(hours=1)
    calls = client.stats.calls
    found = client.refunded_orders_since(since)
    assert {r.order_id for r in found} == refunded  # the paid-only orders are left out
    assert client.stats.calls - calls == 2  # one search per refunded status, one page each
    assert [r.updated_at for r in found] == sorted(r.updated_at for r in found)
    assert client.refunded_orders_since(datetime.now(UTC) + timedelta(hours=1)) == ()
