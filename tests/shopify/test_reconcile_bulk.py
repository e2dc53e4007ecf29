"""The daily reconciliation's orders in one bulk operation read the same as one ``order`` read each."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify import reconcile_bulk
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.reconcile_bulk import (
    _refunds_as_listed,
    day_orders_query,
    orders_from_lines,
)
from shopbridge.connectors.shopify.refund_totals import BATCH
from shopbridge.domain.records import Order, RefundTotal
from shopbridge.ports.shopify import RefundedOrder
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.server import SandboxServer

DAY = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def _trade(sandbox: SandboxServer) -> list[str]:
    state = sandbox.state
    made = []
    for n, sku in enumerate(("TEE-M", "MUG-01", "TEE-L")):
        order = place_order(
            state,
            {
                "lines": [{"sku": sku, "quantity": 1 + n}, {"sku": "MUG-01", "quantity": 1}],
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": True,
                "payment": "paid",
                "shipping": {"title": "Standard", "price": "4.80", "code": "STD"},
                "shipping_address": {"countryCode": "GB", "city": "Leeds", "address1": "1 High St"},
            },
        )
        made.append(str(order["id"]))
    act.refund_full(state, state.orders[made[1]], restock=False)  # read as sold: its units come back
    return made


def test_the_bulk_query_is_valid_against_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    assert validate(admin_schema, parse(day_orders_query(*DAY))) == []


def test_bulk_orders_equal_the_orders_read_one_by_one(sandbox: SandboxServer, client: ShopifyClient) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    made = _trade(sandbox)
    one_by_one = [client.order(order_id) for order_id in client.orders_created_between(*DAY)]
    in_bulk = client.orders_created_in_bulk(*DAY)
    assert sorted(o.shopify_id for o in in_bulk) == sorted(made)
    assert sorted(in_bulk, key=lambda o: o.shopify_id) == sorted(
        (o for o in one_by_one if o is not None), key=lambda o: o.shopify_id
    )
    assert all(o.shipping_lines and len(o.lines) == 2 for o in in_bulk)


def test_a_day_without_orders_is_empty(sandbox: SandboxServer, client: ShopifyClient) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    _trade(sandbox)
    later = datetime.now(UTC) + timedelta(days=2)
    assert client.orders_created_in_bulk(later, later + timedelta(days=1)) == []


def test_children_are_put_back_under_their_order_wherever_they_come_in_the_file() -> None:
    lines = [
        {"id": "gid://shopify/Order/1", "name": "#1"},
        {"id": "gid://shopify/Order/2", "name": "#2"},
        {"id": "gid://shopify/LineItem/9", "sku": "A", "__parentId": "gid://shopify/Order/2"},
        {"id": "gid://shopify/ShippingLine/5", "title": "Std", "__parentId": "gid://shopify/Order/1"},
        {"id": "gid://shopify/LineItem/8", "sku": "B", "__parentId": "gid://shopify/Order/1"},
        {"id": "gid://shopify/FulfillmentOrder/3", "__parentId": "gid://shopify/Order/1"},
    ]
    first, second = orders_from_lines(lines)
    assert [n["sku"] for n in first["lineItems"]["nodes"]] == ["B"]
    assert [n["title"] for n in first["shippingLines"]["nodes"]] == ["Std"]
    assert len(first["fulfillmentOrders"]["nodes"]) == 1
    assert [n["sku"] for n in second["lineItems"]["nodes"]] == ["A"] and not second["shippingLines"]["nodes"]


def test_the_day_with_refunds_reads_each_refunded_order_once_and_the_orders_as_alone(
    sandbox: SandboxServer, client: ShopifyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    made = _trade(sandbox)
    act.refund_full(sandbox.state, sandbox.state.orders[made[2]], restock=False)
    alone = client.orders_created_in_bulk(*DAY)
    listed = client.refunded_orders_since(DAY[0])
    whole = client.refunds_of_orders([made[1], made[2]])
    expected_refunds = {order_id: tuple(map(RefundTotal.of, refunds)) for order_id, refunds in whole.items()}
    asked: list[list[str]] = []
    execute = client.execute

    def counted(name: str, variables: Any = None, **kwargs: Any) -> Any:
        if name == "refund_totals_of_orders":
            asked.append([str(i) for i in variables["ids"]])
        return execute(name, variables, **kwargs)

    monkeypatch.setattr(client, "execute", counted)
    read = client.orders_and_refunds_created_in_bulk(*DAY, DAY[0])
    assert sorted(read.orders, key=lambda o: o.shopify_id) == sorted(alone, key=lambda o: o.shopify_id)
    assert read.refunded == listed and {r.order_id for r in listed} == {made[1], made[2]}
    assert read.refunds == expected_refunds
    assert len(asked) == 1 and sorted(asked[0]) == sorted([made[1], made[2]])  # as listed; none again
    asked.clear()
    unlisted = client.orders_and_refunds_created_in_bulk(*DAY, None)
    assert unlisted.refunded == ()
    assert unlisted.refunds == expected_refunds  # the day's refunded orders, read after the bulk run
    assert sorted(map(sorted, asked)) == [sorted([made[1], made[2]])]


class _NoOrders:
    """A client whose ``nodes(ids:)`` finds none of the orders: each read's ids are kept."""

    def __init__(self) -> None:
        self.reads: list[list[str]] = []

    def execute(self, name: str, variables: Any = None, *, key: str | None = None) -> Any:
        assert name == "refund_totals_of_orders"
        self.reads.append(list(variables["ids"]))
        return {"nodes": [None] * len(variables["ids"])}


def test_refunds_are_read_a_full_batch_at_a_time_as_pages_are_listed_each_order_once() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    size = BATCH - 3  # two pages overlapping by two orders: more than a batch between them
    page = [
        [RefundedOrder(f"gid://shopify/Order/{n}", at) for n in range(start, start + size)]
        for start in (0, size - 2)
    ]
    pages: queue.SimpleQueue[list[RefundedOrder] | None] = queue.SimpleQueue()
    for item in (*page, None):
        pages.put(item)
    client = _NoOrders()
    found = _refunds_as_listed(client, pages)  # type: ignore[arg-type]
    ids = [f"gid://shopify/Order/{n}" for n in range(2 * size - 2)]
    assert found == dict.fromkeys(ids, ())
    assert client.reads == [ids[:BATCH], ids[BATCH:]]  # a full batch once listed, the rest at the end


def test_the_orders_without_refunds_are_handed_over_before_the_refunds_are_read(
    sandbox: SandboxServer, client: ShopifyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ready`` has the day's orders without refunds, as the read returns them, while the refund
    reads wait: each refund read here waits until they are handed over (a read finished before
    would have waited in vain); then the refunded ones once their refunds are read, each order once."""
    sandbox.state.bulk_timing.base_s = 0.05
    made = _trade(sandbox)
    act.refund_full(sandbox.state, sandbox.state.orders[made[2]], restock=False)
    alone = client.orders_and_refunds_created_in_bulk(*DAY, DAY[0])
    handed: list[list[Order]] = []
    released = threading.Event()
    waited: list[bool] = []
    execute = client.execute

    def held_back(name: str, variables: Any = None, **kwargs: Any) -> Any:
        if name == "refund_totals_of_orders":
            waited.append(released.wait(timeout=10))
        return execute(name, variables, **kwargs)

    def ready(orders: list[Order]) -> None:
        handed.append(orders)
        released.set()

    monkeypatch.setattr(client, "execute", held_back)
    monkeypatch.setattr(reconcile_bulk, "HAND_OVER", 1)
    read = client.orders_and_refunds_created_in_bulk(*DAY, DAY[0], ready=ready)
    early, refunded = handed
    assert [o.shopify_id for o in early] == [made[0]]  # made[1] and made[2] are refunded
    assert sorted(o.shopify_id for o in refunded) == sorted([made[1], made[2]])
    assert all(any(o is order for order in read.orders) for o in early + refunded)  # the read's own
    assert waited == [True] and read == alone  # one read of both refunded orders' refunds


def test_an_order_from_before_the_day_refunded_since_it_began_is_listed_and_its_refunds_read(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    """The day's own refunded orders come with its bulk files; an earlier order refunded since the
    day began is found by the listing (``created_before`` the day), and both have their refunds."""
    sandbox.state.bulk_timing.base_s = 0.05
    made = _trade(sandbox)  # the second is refunded
    state = sandbox.state
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    state.orders[made[0]]["created_at"] = (today - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    act.refund_full(state, state.orders[made[0]], restock=False)  # yesterday's order, refunded today
    read = client.orders_and_refunds_created_in_bulk(today, today + timedelta(days=1), today)
    assert sorted(o.shopify_id for o in read.orders) == sorted(made[1:])
    assert sorted(r.order_id for r in read.refunded) == sorted(made[:2])
    assert [r.updated_at for r in read.refunded] == sorted(r.updated_at for r in read.refunded)
    assert sorted(read.refunds) == sorted(made[:2]) and all(read.refunds[o] for o in made[:2])
    later = client.orders_and_refunds_created_in_bulk(
        today, today + timedelta(days=1), today + timedelta(days=1)
    )
    assert later.refunded == ()  # nothing changed since tomorrow began


def test_a_caller_failing_on_orders_handed_over_fails_the_read_and_leaves_no_thread_waiting(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    _trade(sandbox)

    def fails(orders: list[Order]) -> None:
        raise RuntimeError("the comparison broke")

    with pytest.raises(RuntimeError, match="the comparison broke"):
        client.orders_and_refunds_created_in_bulk(*DAY, DAY[0], ready=fails)
    assert not [t for t in threading.enumerate() if t.name.startswith("shopify-day")]
