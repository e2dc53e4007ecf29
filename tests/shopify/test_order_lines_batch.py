"""The stock lines of many orders, 25 a read, read exactly as the whole order read reads each order."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any, cast

import pytest
from graphql import GraphQLSchema, parse, validate

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify import order_lines_batch
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.documents import document
from shopbridge.connectors.shopify.order_lines_batch import orders_stock_lines
from shopbridge.connectors.shopify.orders import fetch_order
from shopbridge.domain.order_stock_lines import OrderStockLines
from shopbridge.domain.records import Order
from shopbridge.domain.stock import PendingLine
from shopbridge.flows import stock_to_shopify as flow
from shopbridge.flows.spec import FlowContext
from shopbridge.flows.stock_settings import StockRules
from shopbridge.ports.shopify import ShopifyPendingOrderReads
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify import scenario_actions as act
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.resolvers.edits import resolve_begin, resolve_commit, resolve_set_quantity
from shopbridge.sandbox.shopify.server import SandboxServer
from shopbridge.sandbox.shopify.state import numeric_id

SKUS = ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01")
UNKNOWN = "gid://shopify/Order/999999"


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def _place(sandbox: SandboxServer, lines: list[tuple[str, int]], **request: Any) -> dict[str, Any]:
    return place_order(
        sandbox.state,
        {
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
            "tax": {"title": "VAT", "rate": "0.2"},
            "payment": "paid",
            **request,
        },
    )


def _take_one_off(sandbox: SandboxServer, order: dict[str, Any]) -> None:
    """An order edit that removes one unit of the order's first line (restocked)."""
    state, line = sandbox.state, order["line_items"][0]
    session = resolve_begin(state, {"id": order["id"]}, act.NO_INFO)["calculatedOrder"]["id"]
    calculated = f"gid://shopify/CalculatedLineItem/{numeric_id(line['id'])}"
    quantity = fig.current_quantity(line) - 1
    args = {"id": session, "lineItemId": calculated, "quantity": quantity, "restock": True}
    resolve_set_quantity(state, args, act.NO_INFO)
    resolve_commit(state, {"id": session}, act.NO_INFO)


def _realistic_orders(sandbox: SandboxServer) -> list[str]:
    """Thirty orders as a peak's pending ones look: two locations, a point-of-sale order, edits that
    took units off or added some, partial and full refunds, and one order of 23 lines (its page cut)."""
    state, rng = sandbox.state, random.Random(15)
    locations = sorted(state.locations)
    made: list[dict[str, Any]] = []
    for n in range(30):
        lines = [(SKUS[n % len(SKUS)], 2 + n % 3), (SKUS[(n + 2) % len(SKUS)], 1)]
        made.append(_place(sandbox, lines, location_id=locations[n % 2]))
    made[3]["source_name"] = "pos"  # sold at the till: Shopify gives it a retailLocation
    _take_one_off(sandbox, made[4])
    act.edit(sandbox.state, rng, made[5], list(state.variants), add_only=True)
    act.refund_partial(state, rng, made[6])
    act.refund_full(state, made[7], restock=False)
    _take_one_off(sandbox, made[8])
    act.refund_partial(state, rng, made[8])
    made.append(_place(sandbox, [(SKUS[n % len(SKUS)], 1) for n in range(23)]))
    return [str(order["id"]) for order in made]


def test_the_document_is_valid_against_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    assert validate(admin_schema, parse(document("orders_stock_lines").text)) == []


def test_the_client_offers_the_batched_read(client: ShopifyClient) -> None:
    assert isinstance(client, ShopifyPendingOrderReads)


def test_batched_lines_equal_the_whole_order_read_one_order_at_a_time(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    made = _realistic_orders(sandbox)
    batched = client.orders_stock_lines([*made, UNKNOWN, made[0]])
    assert UNKNOWN not in batched  # an order Shopify lacks gives nothing, as ``order`` gives None
    wholes = {order_id: client.order(order_id) for order_id in made}
    assert batched == {order_id: OrderStockLines.of(cast(Order, order)) for order_id, order in wholes.items()}
    # The set exercises what it claims: units edited off and refunded, a POS order, both locations.
    lines = [line for order_id in made for line in batched[order_id].lines]
    assert len(batched[made[-1]].lines) == 23
    assert {batched[order_id].location_id for order_id in made} == set(sandbox.state.locations)
    edited, refunded = batched[made[4]].lines[0], batched[made[6]].lines
    assert edited.quantity == fig.current_quantity(sandbox.state.orders[made[4]]["line_items"][0])
    assert sum(line.quantity for line in refunded) > sum(
        fig.current_quantity(line) for line in sandbox.state.orders[made[6]]["line_items"]
    )  # refunded units stay on the order as sold
    assert all(line.quantity > 0 for line in lines)


def test_the_flow_pends_the_same_lines_either_way(sandbox: SandboxServer, client: ShopifyClient) -> None:
    made = [*_realistic_orders(sandbox), UNKNOWN]
    locations = sorted(sandbox.state.locations)
    rules = StockRules({locations[1]: ("NORTH",), locations[0]: ("MAIN",)}, (), {}, 0.5, 10)
    batched = _pending(client, rules, made)
    one_by_one = _pending(_OrderReadsOnly(client), rules, made)
    assert batched == one_by_one
    assert batched[UNKNOWN] == []
    assert {line.location for lines in batched.values() for line in lines} == set(locations)


def test_a_batch_is_one_request_per_25_orders(sandbox: SandboxServer, client: ShopifyClient) -> None:
    """Orders neither refunded nor longer than a page: nothing is read again."""
    made = [str(_place(sandbox, [(SKUS[n % 5], 1), ("MUG-01", 2)])["id"]) for n in range(57)]
    calls = client.stats.calls
    batched = client.orders_stock_lines(made)
    assert client.stats.calls - calls == math.ceil(57 / order_lines_batch.BATCH) == 3
    assert len(batched) == 57


def _pending(shopify: object, rules: StockRules, order_ids: list[str]) -> dict[str, list[PendingLine]]:
    ctx = cast(FlowContext, SimpleNamespace(shopify=shopify))
    return flow._new_order_lines(ctx, rules, order_ids)


class _OrderReadsOnly:
    """The client seen through ``order`` alone: the flow's per-order path."""

    def __init__(self, client: ShopifyClient) -> None:
        self._client = client

    def order(self, order_id: str) -> Order | None:
        return self._client.order(order_id)


# -- the translation, on prepared answers ---------------------------------------------------------


class _Recorder:
    """Answers both documents from one prepared order, and records every document asked for."""

    def __init__(self, node: Mapping[str, Any], refunds: list[dict[str, Any]] | None = None) -> None:
        self.node = node
        self.refunds = refunds or []
        self.asked: list[str] = []
        self.shop_domain = "uk.myshopify.com"

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any:
        self.asked.append(name)
        if name == "orders_stock_lines":
            return {"nodes": [self.node for _ in (variables or {})["ids"]]}
        if name == "order_refunds":
            return {"order": {"id": self.node["id"], "refunds": self.refunds}}
        return {"order": self.node}

    def mutate(self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None) -> Any:
        raise AssertionError("a read never writes")


def _line(n: int, sku: str, quantity: int, current: int, *, gift: bool = False) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/LineItem/{n}",
        "sku": sku,
        "quantity": quantity,
        "currentQuantity": current,
        "isGiftCard": gift,
    }


def _order(lines: list[dict[str, Any]], *, more: bool = False, status: str = "PAID") -> dict[str, Any]:
    return {
        "id": "gid://shopify/Order/1",
        "name": "#1",
        "currencyCode": "GBP",
        "createdAt": "2026-11-27T10:00:00Z",
        "displayFinancialStatus": status,
        "retailLocation": None,
        "fulfillmentOrders": {
            "nodes": [
                {"assignedLocation": {"location": None}},  # a location since deleted: the next one
                {"assignedLocation": {"location": {"id": "gid://shopify/Location/2"}}},
            ]
        },
        "lineItems": {"pageInfo": {"hasNextPage": more}, "nodes": lines},
    }


def test_gift_cards_refunds_and_the_location_read_as_the_whole_order_reads_them() -> None:
    node = _order(
        [_line(1, "TEE-M", 3, 1), _line(2, "GIFT-50", 1, 1, gift=True), _line(3, "", 2, 2)],
        status="PARTIALLY_REFUNDED",
    )
    refund = {"refundLineItems": {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/1"}, "quantity": 1}]}}
    recorder = _Recorder(node, [refund])
    batched = orders_stock_lines(recorder, ["1"])["1"]
    whole = fetch_order(recorder, "1")
    assert whole is not None and batched == OrderStockLines.of(whole)
    assert batched.location_id == "gid://shopify/Location/2"
    assert [(line.sku, line.quantity, line.is_gift_card) for line in batched.lines] == [
        ("TEE-M", 2, False),  # 1 current + 1 refunded: one unit was edited off
        ("GIFT-50", 1, True),
        ("", 2, False),
    ]
    rules = StockRules({"gid://shopify/Location/2": ("MAIN",)}, (), {}, 0.5, 10)
    assert flow._pending_lines(rules, batched) == [PendingLine("TEE-M", "gid://shopify/Location/2", 2)]


def test_an_order_whose_lines_are_cut_short_is_read_again_whole() -> None:
    recorder = _Recorder(_order([_line(1, "TEE-M", 1, 1)], more=True))
    assert orders_stock_lines(recorder, ["1", "2"])["2"].lines[0].sku == "TEE-M"
    assert recorder.asked == ["orders_stock_lines", "order_by_id", "order_by_id"]


def test_an_order_within_its_page_and_not_refunded_is_read_once() -> None:
    recorder = _Recorder(_order([_line(1, "TEE-M", 1, 1)]))
    orders_stock_lines(recorder, [str(n) for n in range(order_lines_batch.BATCH + 1)])
    assert recorder.asked == ["orders_stock_lines", "orders_stock_lines"]
