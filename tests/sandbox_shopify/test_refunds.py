"""refundCreate over HTTP: partial with restock, over-refunds refused in Shopify's words, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, load_capture, read_order, running_shop, stock

REFUND = """mutation($input: RefundInput!) {
  refundCreate(input: $input) @idempotent(key: "%s") {
    refund { id note totalRefundedSet { shopMoney { amount } }
      refundLineItems(first: 5) { nodes {
        quantity restockType restocked location { id } lineItem { sku }
        priceSet { shopMoney { amount } } subtotalSet { shopMoney { amount } }
        totalTaxSet { shopMoney { amount } } } }
      transactions(first: 5) { nodes { kind status gateway amountSet { shopMoney { amount } } } } }
    order { id displayFinancialStatus totalRefundedSet { shopMoney { amount } } }
    userErrors { field message } } }"""
ORDER_REFUNDS = """query($id: ID!) { order(id: $id) { refunds { id
  refundLineItems(first: 5) { nodes { lineItem { sku } quantity restockType restocked } }
  transactions(first: 5) { nodes { kind amountSet { shopMoney { amount } } } }
  orderAdjustments(first: 5) { nodes { id } } } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _paid_order(shop: Shop, sku: str = "TEE-S", quantity: int = 2) -> dict[str, Any]:
    order_id = shop.place(
        lines=[{"variant_id": shop.variant(sku), "quantity": quantity}],
        shipping={"title": "Standard", "price": "5.00"},
        gateway="manual",
    )
    return read_order(shop, order_id)


def _refund(shop: Shop, key: str, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = shop.data(REFUND % key, {"input": data})["refundCreate"]
    return result


def _line_refund(order: dict[str, Any], quantity: int, restock: str, amount: str) -> dict[str, Any]:
    line = order["lineItems"]["nodes"][0]
    location = order["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    return {
        "orderId": order["id"],
        "note": "partial",
        "refundLineItems": [
            {"lineItemId": line["id"], "quantity": quantity, "restockType": restock, "locationId": location}
        ],
        "transactions": [{"amount": amount, "gateway": "manual", "kind": "REFUND", "orderId": order["id"]}],
    }


def test_a_partial_refund_with_restock_returns_the_units_to_available(shop: Shop) -> None:
    order = _paid_order(shop)
    before = stock(shop, "TEE-S")
    result = _refund(shop, "k-1", _line_refund(order, 1, "CANCEL", "15.00"))
    assert result["userErrors"] == []
    item = result["refund"]["refundLineItems"]["nodes"][0]
    assert (item["quantity"], item["restockType"], item["restocked"], item["lineItem"]["sku"]) == (
        1,
        "CANCEL",
        True,
        "TEE-S",
    )
    assert item["subtotalSet"]["shopMoney"]["amount"] == "15.0"
    assert result["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    after = stock(shop, "TEE-S")
    assert (after["available"], after["committed"]) == (before["available"] + 1, before["committed"] - 1)
    again = read_order(shop, order["id"])
    assert again["lineItems"]["nodes"][0]["currentQuantity"] == 1
    assert again["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["remainingQuantity"] == 1


def test_a_refund_without_restock_leaves_stock_alone_and_reads_back_on_the_order(shop: Shop) -> None:
    order = _paid_order(shop)
    before = stock(shop, "TEE-S")
    _refund(shop, "k-2", _line_refund(order, 2, "NO_RESTOCK", "30.00"))
    assert stock(shop, "TEE-S") == before
    refunds = shop.data(ORDER_REFUNDS, {"id": order["id"]})["order"]["refunds"]
    assert [(n["quantity"], n["restocked"]) for n in refunds[0]["refundLineItems"]["nodes"]] == [(2, False)]
    assert refunds[0]["transactions"]["nodes"][0]["amountSet"]["shopMoney"]["amount"] == "30.0"


def test_refunding_more_money_than_was_paid_answers_shopifys_user_error(shop: Shop) -> None:
    recorded = load_capture("orders/refund-create-over-refund-user-errors.json")
    order = _paid_order(shop, "MUG-01", 1)  # 9.50 + 5.00 shipping = 14.50 paid
    result = _refund(shop, "k-3", _line_refund(order, 1, "NO_RESTOCK", "25.00"))
    assert result["refund"] is None
    expected_shape = recorded["mutation"]["response"]["data"]["refundCreate"]["userErrors"][0]
    assert result["userErrors"] == [
        {
            "field": expected_shape["field"],
            "message": "Refund amount £25.00 is greater than net payment received £14.50",
        }
    ]


def test_refunding_more_units_than_remain_is_a_user_error_on_the_quantity(shop: Shop) -> None:
    order = _paid_order(shop)
    result = _refund(shop, "k-4", _line_refund(order, 3, "NO_RESTOCK", "1.00"))
    assert result["userErrors"] == [
        {
            "field": ["refundLineItems", "0", "quantity"],
            "message": "Quantity cannot refund more items than were purchased",
        }
    ]


def test_the_same_idempotency_key_replays_the_refund_instead_of_refunding_twice(shop: Shop) -> None:
    order = _paid_order(shop)
    first = _refund(shop, "same-key", _line_refund(order, 1, "NO_RESTOCK", "15.00"))
    second = _refund(shop, "same-key", _line_refund(order, 1, "NO_RESTOCK", "15.00"))
    assert second["refund"]["id"] == first["refund"]["id"]
    assert len(shop.data(ORDER_REFUNDS, {"id": order["id"]})["order"]["refunds"]) == 1


def test_refund_create_without_the_idempotent_directive_is_refused(shop: Shop) -> None:
    body = shop.graphql(
        'mutation { refundCreate(input: {orderId: "gid://shopify/Order/1"}) { userErrors { message } } }'
    )
    assert "@idempotent" in body["errors"][0]["message"]


def test_a_refund_publishes_refunds_create_with_a_rest_shaped_body(shop: Shop) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    shop.state.events.subscribe(lambda topic, body: seen.append((topic, body)))
    order = _paid_order(shop)
    _refund(shop, "k-5", _line_refund(order, 1, "CANCEL", "15.00"))
    refund = next(body for topic, body in seen if topic == "refunds/create")
    assert refund["refund_line_items"][0]["quantity"] == 1
    assert refund["refund_line_items"][0]["restock_type"] == "cancel"
    assert refund["transactions"][0]["amount"] == "15.00"
    assert "orders/updated" in [topic for topic, _ in seen]


def test_refunding_shipping_lowers_the_current_total_by_the_shipping_and_its_tax(shop: Shop) -> None:
    order_id = shop.place(
        lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}],
        shipping={"title": "Standard", "price": "5.00"},
        tax={"title": "VAT", "rate": "0.2"},
        gateway="manual",
    )
    # 9.50 + 5.00 shipping, VAT 20% on top: 1.90 + 1.00; total 17.40
    data = {"orderId": order_id, "shipping": {"fullRefund": True}, "transactions": []}
    data["transactions"] = [{"amount": "6.00", "gateway": "manual", "kind": "REFUND", "orderId": order_id}]
    assert _refund(shop, "k-ship", data)["userErrors"] == []
    order = read_order(shop, order_id)
    assert order["totalPriceSet"]["shopMoney"]["amount"] == "17.4"
    assert order["currentTotalPriceSet"]["shopMoney"]["amount"] == "11.4"
