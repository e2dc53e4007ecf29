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
