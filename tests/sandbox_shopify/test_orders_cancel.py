"""orderCancel over HTTP: a job comes back, the order is cancelled, stock and money go back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_orders_harness import Shop, read_order, running_shop, stock

CANCEL = """mutation($id: ID!, $restock: Boolean!, $refund: Boolean) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: $restock, refund: $refund, notifyCustomer: false) {
    job { id done } orderCancelUserErrors { field message code } userErrors { field message } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def test_cancel_answers_a_job_and_the_order_becomes_cancelled_with_stock_back(shop: Shop) -> None:
    events: list[str] = []
    shop.state.events.subscribe(lambda topic, body: events.append(topic))
    before = stock(shop, "MUG-01")
    order_id = shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 2}])
    result = shop.data(CANCEL, {"id": order_id, "restock": True, "refund": True})["orderCancel"]
    assert result["job"]["done"] is False and result["job"]["id"].startswith("gid://shopify/Job/")
    job = shop.data("query($id: ID!) { job(id: $id) { id done } }", {"id": result["job"]["id"]})["job"]
    assert job["done"] is True
    order = read_order(shop, order_id)
    assert order["cancelledAt"] is not None
    assert order["displayFinancialStatus"] == "REFUNDED"
    assert stock(shop, "MUG-01") == before
    assert {"orders/cancelled", "refunds/create"} <= set(events)


def test_cancel_without_restock_keeps_the_units_committed(shop: Shop) -> None:
    before = stock(shop, "TEE-S")
    order_id = shop.place(lines=[{"variant_id": shop.variant("TEE-S"), "quantity": 1}], payment="pending")
    shop.data(CANCEL, {"id": order_id, "restock": False, "refund": False})
    assert stock(shop, "TEE-S")["available"] == before["available"] - 1


def test_cancelling_an_authorised_order_voids_the_authorisation(shop: Shop) -> None:
    order_id = shop.place(lines=[{"variant_id": shop.variant("TEE-S"), "quantity": 1}], payment="authorized")
    shop.data(CANCEL, {"id": order_id, "restock": True, "refund": False})
    order = read_order(shop, order_id)
    assert order["displayFinancialStatus"] == "VOIDED"
    assert [t["kind"] for t in order["transactions"]] == ["AUTHORIZATION", "VOID"]


def test_cancelling_twice_or_an_unknown_order_is_a_user_error(shop: Shop) -> None:
    order_id = shop.place(lines=[{"variant_id": shop.variant("TEE-S"), "quantity": 1}])
    shop.data(CANCEL, {"id": order_id, "restock": True, "refund": True})
    again = shop.data(CANCEL, {"id": order_id, "restock": True, "refund": True})["orderCancel"]
    missing = shop.data(CANCEL, {"id": "gid://shopify/Order/999", "restock": True, "refund": True})[
        "orderCancel"
    ]
    assert again["orderCancelUserErrors"][0]["code"] == "INVALID"
    assert missing["orderCancelUserErrors"][0]["code"] == "NOT_FOUND"


CLOSE = """mutation($id: ID!) {
  orderClose(input: {id: $id}) { order { closed closedAt } userErrors { message } } }"""
OPEN = """mutation($id: ID!) {
  orderOpen(input: {id: $id}) { order { closed closedAt } userErrors { message } } }"""


def test_close_and_open_toggle_an_order_and_repeating_them_changes_nothing(shop: Shop) -> None:
    order_id = shop.place(lines=[{"variant_id": shop.variant("TEE-S"), "quantity": 1}])
    closed = shop.data(CLOSE, {"id": order_id})["orderClose"]["order"]
    assert closed["closed"] is True and closed["closedAt"]
    assert shop.data(CLOSE, {"id": order_id})["orderClose"]["order"] == closed
    opened = shop.data(OPEN, {"id": order_id})["orderOpen"]["order"]
    assert opened == {"closed": False, "closedAt": None}


FULFIL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id } userErrors { field message } } }"""
CANCEL_FULFILMENT = """mutation($id: ID!) { fulfillmentCancel(id: $id) {
  fulfillment { id status } userErrors { field message } } }"""


def _fulfil_one(shop: Shop, order_id: str) -> str:
    fo = read_order(shop, order_id)["fulfillmentOrders"]["nodes"][0]
    item = fo["lineItems"]["nodes"][0]
    groups = [
        {"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": item["id"], "quantity": 1}]}
    ]
    result = shop.data(FULFIL, {"f": {"lineItemsByFulfillmentOrder": groups, "notifyCustomer": False}})
    fulfillment_id: str = result["fulfillmentCreate"]["fulfillment"]["id"]
    return fulfillment_id


def test_an_order_with_an_outstanding_fulfillment_cannot_be_cancelled(shop: Shop) -> None:
    events: list[str] = []
    order_id = shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 2}])
    _fulfil_one(shop, order_id)
    shop.state.events.subscribe(lambda topic, body: events.append(topic))
    result = shop.data(CANCEL, {"id": order_id, "restock": True, "refund": True})["orderCancel"]
    message = "Cannot cancel an order that has outstanding fulfillments"
    assert result == {
        "job": None,
        "orderCancelUserErrors": [{"field": ["orderId"], "message": message, "code": "INVALID"}],
        "userErrors": [{"field": ["orderId"], "message": message}],
    }
    order = read_order(shop, order_id)
    assert order["cancelledAt"] is None and order["displayFinancialStatus"] == "PAID"
    assert events == []


def test_an_order_whose_fulfillments_are_all_cancelled_can_be_cancelled(shop: Shop) -> None:
    order_id = shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 2}])
    fulfillment_id = _fulfil_one(shop, order_id)
    shop.data(CANCEL_FULFILMENT, {"id": fulfillment_id})
    result = shop.data(CANCEL, {"id": order_id, "restock": True, "refund": True})["orderCancel"]
    assert result["orderCancelUserErrors"] == [] and result["job"] is not None
    assert read_order(shop, order_id)["cancelledAt"] is not None
