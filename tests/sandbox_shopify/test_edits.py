"""Order edits over HTTP: begin, add a variant, change a quantity, commit; fulfilled lines stay put."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, read_order, running_shop, stock

BEGIN = """mutation($id: ID!) { orderEditBegin(id: $id) { calculatedOrder { id
  lineItems(first: 10) { nodes { id sku quantity editableQuantity } }
  totalPriceSet { shopMoney { amount } } }
  userErrors { field message } } }"""
ADD = """mutation($id: ID!, $v: ID!, $q: Int!) {
  orderEditAddVariant(id: $id, variantId: $v, quantity: $q) {
    calculatedLineItem { id sku quantity }
    calculatedOrder { subtotalPriceSet { shopMoney { amount } } } userErrors { message } } }"""
SET = """mutation($id: ID!, $line: ID!, $q: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $q, restock: true) {
    calculatedLineItem { id quantity } userErrors { field message } } }"""
COMMIT = """mutation($id: ID!) {
  orderEditCommit(id: $id, notifyCustomer: false) { order { id } userErrors { message } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _begin(shop: Shop, order_id: str) -> dict[str, Any]:
    result: dict[str, Any] = shop.data(BEGIN, {"id": order_id})["orderEditBegin"]
    return result


def test_an_edit_adds_a_variant_and_lowers_a_quantity_on_commit(shop: Shop) -> None:
    events: list[str] = []
    shop.state.events.subscribe(lambda topic, body: events.append(topic))
    order_id = shop.place(lines=[{"variant_id": shop.variant("TEE-L"), "quantity": 3}])
    before = stock(shop, "TEE-L")
    calc = _begin(shop, order_id)["calculatedOrder"]
    tee = calc["lineItems"]["nodes"][0]
    assert (tee["sku"], tee["editableQuantity"]) == ("TEE-L", 3)
    added = shop.data(ADD, {"id": calc["id"], "v": shop.variant("MUG-01"), "q": 2})["orderEditAddVariant"]
    assert added["calculatedLineItem"]["quantity"] == 2
    assert (
        added["calculatedOrder"]["subtotalPriceSet"]["shopMoney"]["amount"] == "68.5"
    )  # 3 x 16.50 + 2 x 9.50
    assert (
        shop.data(SET, {"id": calc["id"], "line": tee["id"], "q": 1})["orderEditSetQuantity"]["userErrors"]
        == []
    )
    assert (
        read_order(shop, order_id)["lineItems"]["nodes"][0]["currentQuantity"] == 3
    )  # nothing before commit
    shop.data(COMMIT, {"id": calc["id"]})
    order = read_order(shop, order_id)
    assert [(li["sku"], li["currentQuantity"]) for li in order["lineItems"]["nodes"]] == [
        ("TEE-L", 1),
        ("MUG-01", 2),
    ]
    assert (
        order["totalPriceSet"]["shopMoney"]["amount"] != order["currentTotalPriceSet"]["shopMoney"]["amount"]
    )
    assert order["currentTotalPriceSet"]["shopMoney"]["amount"] == "35.5"
    after = stock(shop, "TEE-L")
    assert (after["available"], after["committed"]) == (before["available"] + 2, before["committed"] - 2)
    assert {"orders/edited", "orders/updated"} <= set(events)


def test_raising_a_quantity_grows_the_line_its_tax_and_its_committed_stock(shop: Shop) -> None:
    tax = {"title": "VAT", "rate": "0.2"}
    order_id = shop.place(lines=[{"variant_id": shop.variant("TEE-S"), "quantity": 1}], tax=tax)
    before = stock(shop, "TEE-S")
    calc = _begin(shop, order_id)["calculatedOrder"]
    line = calc["lineItems"]["nodes"][0]
    result = shop.data(SET, {"id": calc["id"], "line": line["id"], "q": 3})["orderEditSetQuantity"]
    assert result["calculatedLineItem"]["quantity"] == 3
    shop.data(COMMIT, {"id": calc["id"]})
    order = read_order(shop, order_id)
    item = order["lineItems"]["nodes"][0]
    assert (item["quantity"], item["currentQuantity"]) == (3, 3)
    assert item["taxLines"][0]["priceSet"]["shopMoney"]["amount"] == "9.0"  # 3 x 15.00 x 20%
    assert order["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["remainingQuantity"] == 3
    assert stock(shop, "TEE-S")["committed"] == before["committed"] + 2


def test_a_fulfilled_line_cannot_have_its_quantity_edited(shop: Shop) -> None:
    order = read_order(shop, shop.place(lines=[{"variant_id": shop.variant("TEE-S"), "quantity": 1}]))
    fo = order["fulfillmentOrders"]["nodes"][0]
    shop.data(
        "mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { userErrors { message } } }",
        {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}},
    )
    calc = _begin(shop, order["id"])["calculatedOrder"]
    line = calc["lineItems"]["nodes"][0]
    assert line["editableQuantity"] == 0
    errors = shop.data(SET, {"id": calc["id"], "line": line["id"], "q": 0})["orderEditSetQuantity"][
        "userErrors"
    ]
    assert errors and errors[0]["field"] == ["lineItemId"]
