"""fulfillmentCreate over HTTP: tracking, remaining quantities, stock, over-fulfilment, the webhook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, read_order, running_shop, stock

FULFIL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id name status displayStatus trackingInfo(first: 5) { company number url }
    fulfillmentLineItems(first: 5) { nodes { quantity lineItem { sku } } } }
  userErrors { field message } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _order(shop: Shop, quantity: int = 3) -> dict[str, Any]:
    return read_order(
        shop, shop.place(lines=[{"variant_id": shop.variant("BOTTLE-01"), "quantity": quantity}])
    )


def _fulfil(shop: Shop, order: dict[str, Any], quantity: int, tracking: dict[str, Any]) -> dict[str, Any]:
    fo = order["fulfillmentOrders"]["nodes"][0]
    item = fo["lineItems"]["nodes"][0]
    groups = [
        {
            "fulfillmentOrderId": fo["id"],
            "fulfillmentOrderLineItems": [{"id": item["id"], "quantity": quantity}],
        }
    ]
    data = {"lineItemsByFulfillmentOrder": groups, "trackingInfo": tracking, "notifyCustomer": False}
    result: dict[str, Any] = shop.data(FULFIL, {"f": data})["fulfillmentCreate"]
    return result


def test_a_partial_fulfilment_with_tracking_lowers_remaining_and_ships_stock(shop: Shop) -> None:
    order = _order(shop)
    before = stock(shop, "BOTTLE-01")
    tracking = {"company": "Hermes", "number": "H123", "url": "https://example.com/t/H123"}
    result = _fulfil(shop, order, 2, tracking)
    assert result["userErrors"] == []
    fulfillment = result["fulfillment"]
    assert (fulfillment["name"], fulfillment["status"], fulfillment["displayStatus"]) == (
        f"{order['name']}-F1",
        "SUCCESS",
        "FULFILLED",
    )
    assert fulfillment["trackingInfo"] == [tracking]
    after = read_order(shop, order["id"])
    assert after["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert after["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]["remainingQuantity"] == 1
    now = stock(shop, "BOTTLE-01")
    assert (now["committed"], now["available"]) == (before["committed"] - 2, before["available"])


def test_several_tracking_numbers_and_a_known_carrier_get_urls(shop: Shop) -> None:
    order = _order(shop, 1)
    result = _fulfil(shop, order, 1, {"company": "UPS", "numbers": ["1Z1", "1Z2"]})
    info = result["fulfillment"]["trackingInfo"]
    assert [i["number"] for i in info] == ["1Z1", "1Z2"]
    assert all(i["url"] and i["number"] in i["url"] for i in info)
    assert read_order(shop, order["id"])["displayFulfillmentStatus"] == "FULFILLED"


def test_fulfilling_more_than_remains_is_a_user_error(shop: Shop) -> None:
    order = _order(shop, 2)
    result = _fulfil(shop, order, 3, {})
    assert result["fulfillment"] is None
    assert result["userErrors"] == [
        {"field": ["fulfillment"], "message": "Invalid fulfillment order line item quantity requested."}
    ]
    assert (
        read_order(shop, order["id"])["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0][
            "remainingQuantity"
        ]
        == 2
    )


def test_a_fulfilment_publishes_fulfillments_create_with_tracking(shop: Shop) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    shop.state.events.subscribe(lambda topic, body: seen.append((topic, body)))
    order = _order(shop, 1)
    _fulfil(shop, order, 1, {"company": "Hermes", "number": "H9"})
    body = next(b for t, b in seen if t == "fulfillments/create")
    assert [t for t, _ in seen if t.startswith("orders/")][-2:] == ["orders/fulfilled", "orders/updated"]
    assert (body["tracking_number"], body["tracking_company"], body["line_items"][0]["quantity"]) == (
        "H9",
        "Hermes",
        1,
    )


TRACKING_UPDATE = """mutation($id: ID!, $t: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: false) {
    fulfillment { id trackingInfo { company number url } } userErrors { field message } } }"""
CANCEL = """mutation($id: ID!) { fulfillmentCancel(id: $id) {
  fulfillment { id status displayStatus } userErrors { field message } } }"""
CLOSED = "query($id: ID!) { order(id: $id) { closed displayFulfillmentStatus } }"


def test_tracking_can_be_replaced_after_the_fulfilment(shop: Shop) -> None:
    order = _order(shop, 1)
    fulfillment_id = _fulfil(shop, order, 1, {"company": "Hermes", "number": "H1"})["fulfillment"]["id"]
    tracking = {"company": "DHL", "numbers": ["D1", "D2"], "urls": ["https://t/D1", "https://t/D2"]}
    result = shop.data(TRACKING_UPDATE, {"id": fulfillment_id, "t": tracking})[
        "fulfillmentTrackingInfoUpdate"
    ]
    assert result["fulfillment"]["trackingInfo"] == [
        {"company": "DHL", "number": "D1", "url": "https://t/D1"},
        {"company": "DHL", "number": "D2", "url": "https://t/D2"},
    ]


def test_a_paid_order_closes_when_fulfilled_and_a_cancelled_fulfilment_reopens_it(shop: Shop) -> None:
    order = _order(shop, 2)
    before = stock(shop, "BOTTLE-01")
    fulfillment_id = _fulfil(shop, order, 2, {})["fulfillment"]["id"]
    assert shop.data(CLOSED, {"id": order["id"]})["order"] == {
        "closed": True,
        "displayFulfillmentStatus": "FULFILLED",
    }
    result = shop.data(CANCEL, {"id": fulfillment_id})["fulfillmentCancel"]
    assert (result["fulfillment"]["status"], result["fulfillment"]["displayStatus"]) == (
        "CANCELLED",
        "CANCELED",
    )
    after = read_order(shop, order["id"])
    assert after["displayFulfillmentStatus"] == "UNFULFILLED"
    assert [fo["status"] for fo in after["fulfillmentOrders"]["nodes"]] == ["CLOSED", "OPEN"]
    assert after["fulfillmentOrders"]["nodes"][1]["lineItems"]["nodes"][0]["remainingQuantity"] == 2
    assert stock(shop, "BOTTLE-01")["committed"] == before["committed"]
    assert shop.data(CLOSED, {"id": order["id"]})["order"]["closed"] is False


def test_cancelling_a_cancelled_fulfilment_again_is_a_no_op_as_in_shopify(shop: Shop) -> None:
    order = _order(shop, 2)
    fulfillment_id = _fulfil(shop, order, 2, {})["fulfillment"]["id"]
    shop.data(CANCEL, {"id": fulfillment_id})
    before = read_order(shop, order["id"])
    again = shop.data(CANCEL, {"id": fulfillment_id})["fulfillmentCancel"]
    assert again["userErrors"] == []
    assert (again["fulfillment"]["id"], again["fulfillment"]["status"]) == (fulfillment_id, "CANCELLED")
    assert read_order(shop, order["id"]) == before  # nothing unshipped twice, no third fulfilment order
