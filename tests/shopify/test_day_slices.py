"""A large day read in bulk operations over id ranges: the ranges find exactly the day's orders, and
the day read range by range is the day read in one operation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate
from test_reconcile_bulk import DAY, _trade

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify import day_slices
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.day_slices import completed, day_searches
from shopbridge.connectors.shopify.documents import document
from shopbridge.connectors.shopify.reconcile_reads import created_query
from shopbridge.domain.records import Order
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


class _Shape:
    """Answers ``day_order_shape`` with a count and the lowest and highest ids."""

    def __init__(self, count: int, low: int | None, high: int | None) -> None:
        self.answer = {
            "ordersCount": {"count": count, "precision": "EXACT"},
            "lowest": {"nodes": [{"id": f"gid://shopify/Order/{low}"}] if low is not None else []},
            "highest": {"nodes": [{"id": f"gid://shopify/Order/{high}"}] if high is not None else []},
        }

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any:
        assert name == "day_order_shape" and variables == {"query": "created_at:>='x'"}
        return self.answer


def test_the_document_is_valid_against_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    assert validate(admin_schema, parse(document("day_order_shape").text)) == []


def test_a_day_of_fewer_orders_than_a_range_is_read_in_one_operation() -> None:
    assert day_searches(_Shape(day_slices.SLICE_ORDERS, 100, 90_000), "created_at:>='x'") == [
        "created_at:>='x'"
    ]
    assert day_searches(_Shape(0, None, None), "created_at:>='x'") == ["created_at:>='x'"]


def test_a_large_day_is_cut_into_open_ended_id_ranges_between_its_lowest_and_highest_ids() -> None:
    searches = day_searches(_Shape(2 * day_slices.SLICE_ORDERS + 1, 1000, 1599), "created_at:>='x'")
    assert searches == [
        "created_at:>='x' id:<1200",
        "created_at:>='x' id:>=1200 id:<1400",
        "created_at:>='x' id:>=1400",
    ]
    assert len(day_searches(_Shape(10**7, 1, 10**9), "created_at:>='x'")) == day_slices.MAX_SLICES


def test_completed_gives_every_result_with_its_index() -> None:
    tasks = [lambda n=n: n * n for n in range(7)]  # type: ignore[misc]
    assert sorted(completed(tasks)) == [(n, n * n) for n in range(7)]


def _day(sandbox: SandboxServer, count: int) -> list[str]:
    """``count`` more orders, every third refunded in full, beside ``_trade``'s three."""
    made = _trade(sandbox)
    state = sandbox.state
    for n in range(count):
        order = place_order(state, {"lines": [{"sku": "MUG-01", "quantity": 1 + n % 2}], "payment": "paid"})
        if n % 3 == 0:
            act.refund_full(state, order, restock=False)
        made.append(str(order["id"]))
    return made


def test_the_day_read_in_ranges_is_the_day_read_in_one_operation(
    sandbox: SandboxServer, client: ShopifyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    made = _day(sandbox, 20)
    whole = client.orders_and_refunds_created_in_bulk(*DAY, DAY[0])
    monkeypatch.setattr(day_slices, "SLICE_ORDERS", 5)  # 23 orders: five ranges
    assert len(day_searches(client, created_query(*DAY))) == 5
    handed: list[list[Order]] = []
    ranged = client.orders_and_refunds_created_in_bulk(*DAY, DAY[0], ready=handed.append)
    assert sorted(o.shopify_id for o in ranged.orders) == sorted(made)
    assert ranged.orders == whole.orders  # range by range in id order: the one file's order here
    assert ranged.refunds == whole.refunds and ranged.refunded == whole.refunded
    given = [order.shopify_id for group in handed for order in group]
    assert len(given) == len(set(given)) and set(given) <= set(made)  # each order handed over once
    assert len(handed) >= 2  # the ranges came in turn, not all at the end
