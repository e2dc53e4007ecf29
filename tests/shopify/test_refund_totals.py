"""The refunds' totals and units of many orders, 22 orders a read: the same totals and units as the
refunds read whole, at under half their cost points, and nothing cut short."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate
from shopify_support import NodesRecorder, refunded_orders

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify import refund_totals
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.documents import document
from shopbridge.connectors.shopify.orders import refunded_units
from shopbridge.connectors.shopify.refund_totals import BATCH, refund_totals_of_orders, units_refunded
from shopbridge.domain.records import RefundTotal
from shopbridge.sandbox.shopify.cost import MAX_SINGLE_QUERY_COST, requested_cost
from shopbridge.sandbox.shopify.schema import admin_schema as sandbox_schema
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def _requested(orders: int) -> int:
    ids = [f"gid://shopify/Order/{n}" for n in range(1, orders + 1)]
    document_ = parse(document("refund_totals_of_orders").text)
    return requested_cost(sandbox_schema(), document_, None, {"ids": ids})


def test_the_document_is_valid_against_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    assert validate(admin_schema, parse(document("refund_totals_of_orders").text)) == []


def test_one_order_costs_what_the_document_says_and_a_batch_fits_under_the_query_limit() -> None:
    """The order 1, its refunds 1, refundLineItems 2 + 20 x (node 1 + lineItem 1): 44 an order."""
    assert _requested(1) == 44
    assert _requested(BATCH) <= MAX_SINGLE_QUERY_COST < _requested(BATCH + 1)


def test_totals_and_units_equal_the_refunds_read_whole_at_under_half_the_points(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    made = refunded_orders(sandbox, 25)  # none, one or two partial refunds, then odd ones in full
    unknown = "gid://shopify/Order/999999"
    points = client.stats.cost_actual
    whole = client.refunds_of_orders(made)
    whole_points, points = client.stats.cost_actual - points, client.stats.cost_actual
    calls = client.stats.calls
    totals = refund_totals_of_orders(client, [*made, unknown])
    totals_points = client.stats.cost_actual - points
    assert client.stats.calls - calls == 2  # 26 distinct orders, 22 a read
    assert totals[unknown] == ()
    assert {o: totals[o] for o in made} == {o: tuple(map(RefundTotal.of, whole[o])) for o in made}
    assert all(units_refunded(totals[o]) == refunded_units(client, {"id": o}) for o in made)
    assert sum(len(t) for t in totals.values()) >= 25
    assert 0 < totals_points < whole_points / 2


def _refund(n: int, *, more_lines: bool = False) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Refund/{n}",
        "createdAt": "2026-12-01T10:00:00Z",
        "totalRefundedSet": {"shopMoney": {"amount": "1.00", "currencyCode": "GBP"}},
        "refundLineItems": {"pageInfo": {"hasNextPage": more_lines}, "nodes": []},
    }


def _order(refunds: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "gid://shopify/Order/1", "name": "#1", "refunds": refunds}


@pytest.mark.parametrize(
    "refunds",
    [
        [_refund(1, more_lines=True)],  # a refund with more lines than the page
        [_refund(n) for n in range(refund_totals.REFUNDS_PAGE)],  # a full page of refunds
    ],
)
def test_an_order_cut_short_is_read_again_alone_and_whole(refunds: list[dict[str, Any]]) -> None:
    recorder = NodesRecorder("refund_totals_of_orders", _order(refunds))
    assert refund_totals_of_orders(recorder, ["1"]) == {"1": ()}  # the order read alone: Shopify's answer
    assert recorder.asked == ["refund_totals_of_orders", "refunds_of_order"]


def test_an_order_within_its_pages_is_not_read_again() -> None:
    recorder = NodesRecorder("refund_totals_of_orders", _order([_refund(2), _refund(1)]))
    found = refund_totals_of_orders(recorder, ["1"])
    assert [r.shopify_id for r in found["1"]] == ["gid://shopify/Refund/1", "gid://shopify/Refund/2"]
    assert recorder.asked == ["refund_totals_of_orders"]
