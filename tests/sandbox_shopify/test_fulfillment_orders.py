"""fulfillmentOrderMove, fulfillmentOrderHold and fulfillmentOrderReleaseHold over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, read_order, running_shop, stock

MOVE = """mutation($id: ID!, $loc: ID!, $lines: [FulfillmentOrderLineItemInput!]) {
  fulfillmentOrderMove(id: $id, newLocationId: $loc, fulfillmentOrderLineItems: $lines) {
    movedFulfillmentOrder { id status assignedLocation { location { id } }
      lineItems(first: 5) { nodes { remainingQuantity totalQuantity } } }
    originalFulfillmentOrder { id status lineItems(first: 5) { nodes { remainingQuantity totalQuantity } } }
    userErrors { field message code } } }"""
HOLD = """mutation($id: ID!, $hold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $hold) {
    fulfillmentHold { id reason handle }
    fulfillmentOrder { id status fulfillmentHolds { id reason } }
    remainingFulfillmentOrder { id status }
    userErrors { field message code } } }"""
RELEASE = """mutation($id: ID!, $holds: [ID!]) {
  fulfillmentOrderReleaseHold(id: $id, holdIds: $holds) {
    fulfillmentOrder { id status fulfillmentHolds { id } } userErrors { field message code } } }"""
FULFIL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id } userErrors { field message } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _order(shop: Shop, quantity: int = 3) -> dict[str, Any]:
    return read_order(
        shop, shop.place(lines=[{"variant_id": shop.variant("BOTTLE-01"), "quantity": quantity}])
    )


def _fo(order: dict[str, Any]) -> tuple[str, str, str]:
    """The first fulfilment order: id, its location, its first line's id."""
    fo = order["fulfillmentOrders"]["nodes"][0]
    return fo["id"], fo["assignedLocation"]["location"]["id"], fo["lineItems"]["nodes"][0]["id"]


def _other_location(shop: Shop, location: str) -> str:
    return next(loc for loc in sorted(shop.state.locations) if loc != location)


def test_moving_a_whole_untouched_fulfilment_order_moves_it_and_its_committed_stock(shop: Shop) -> None:
    order = _order(shop, 3)
    fo_id, here, _line = _fo(order)
    there = _other_location(shop, here)
    index_here, index_there = (
        sorted(shop.state.locations).index(here),
        sorted(shop.state.locations).index(there),
    )
    before = (
        stock(shop, "BOTTLE-01", index_here)["committed"],
        stock(shop, "BOTTLE-01", index_there)["committed"],
    )
    result = shop.data(MOVE, {"id": fo_id, "loc": there})["fulfillmentOrderMove"]
    assert result["userErrors"] == []
    moved = result["movedFulfillmentOrder"]
    assert (moved["id"], moved["assignedLocation"]["location"]["id"]) == (fo_id, there)
    after = (
        stock(shop, "BOTTLE-01", index_here)["committed"],
        stock(shop, "BOTTLE-01", index_there)["committed"],
    )
    assert after == (before[0] - 3, before[1] + 3)


def test_moving_part_of_a_fulfilment_order_splits_it(shop: Shop) -> None:
    order = _order(shop, 3)
    fo_id, here, line = _fo(order)
    there = _other_location(shop, here)
    result = shop.data(MOVE, {"id": fo_id, "loc": there, "lines": [{"id": line, "quantity": 2}]})
    payload = result["fulfillmentOrderMove"]
    assert payload["userErrors"] == []
    assert payload["movedFulfillmentOrder"]["id"] != fo_id
    assert payload["movedFulfillmentOrder"]["lineItems"]["nodes"] == [
        {"remainingQuantity": 2, "totalQuantity": 2}
    ]
    assert payload["originalFulfillmentOrder"]["lineItems"]["nodes"] == [
        {"remainingQuantity": 1, "totalQuantity": 1}
    ]
    nodes = read_order(shop, order["id"])["fulfillmentOrders"]["nodes"]
    assert [(fo["status"], fo["assignedLocation"]["location"]["id"]) for fo in nodes] == [
        ("OPEN", here),
        ("OPEN", there),
    ]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "Fulfillment order does not exist."),
        ("closed", "Cannot change location."),
        ("same_location", "Cannot change location."),
        ("too_many", "Invalid fulfillment order line item quantity requested."),
    ],
)
def test_a_move_shopify_refuses_answers_user_errors(shop: Shop, case: str, message: str) -> None:
    order = _order(shop, 1)
    fo_id, here, line = _fo(order)
    variables: dict[str, Any] = {"id": fo_id, "loc": _other_location(shop, here)}
    if case == "unknown":
        variables["id"] = "gid://shopify/FulfillmentOrder/999999"
    elif case == "closed":
        data = {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_id}], "notifyCustomer": False}
        assert shop.data(FULFIL, {"f": data})["fulfillmentCreate"]["userErrors"] == []
    elif case == "same_location":
        variables["loc"] = here
    else:
        variables["lines"] = [{"id": line, "quantity": 5}]
    result = shop.data(MOVE, variables)["fulfillmentOrderMove"]
    assert [e["message"] for e in result["userErrors"]] == [message]
    assert result["movedFulfillmentOrder"] is None


def test_a_hold_stops_fulfilment_until_it_is_released(shop: Shop) -> None:
    order = _order(shop, 2)
    fo_id, _here, _line = _fo(order)
    held = shop.data(HOLD, {"id": fo_id, "hold": {"reason": "INCORRECT_ADDRESS", "handle": "addr"}})
    payload = held["fulfillmentOrderHold"]
    assert payload["userErrors"] == []
    assert payload["fulfillmentOrder"]["status"] == "ON_HOLD"
    hold_id = payload["fulfillmentHold"]["id"]
    assert payload["fulfillmentOrder"]["fulfillmentHolds"] == [{"id": hold_id, "reason": "INCORRECT_ADDRESS"}]
    again = shop.data(HOLD, {"id": fo_id, "hold": {"reason": "OTHER", "handle": "addr"}})[
        "fulfillmentOrderHold"
    ]
    assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE_FULFILLMENT_HOLD_HANDLE"]
    released = shop.data(RELEASE, {"id": fo_id, "holds": [hold_id]})["fulfillmentOrderReleaseHold"]
    assert released["userErrors"] == []
    assert released["fulfillmentOrder"] == {"id": fo_id, "status": "OPEN", "fulfillmentHolds": []}


def test_holding_some_lines_splits_them_off_on_hold(shop: Shop) -> None:
    order = _order(shop, 3)
    fo_id, _here, line = _fo(order)
    hold = {"reason": "INVENTORY_OUT_OF_STOCK", "fulfillmentOrderLineItems": [{"id": line, "quantity": 1}]}
    payload = shop.data(HOLD, {"id": fo_id, "hold": hold})["fulfillmentOrderHold"]
    assert payload["userErrors"] == []
    assert payload["fulfillmentOrder"]["status"] == "ON_HOLD" and payload["fulfillmentOrder"]["id"] != fo_id
    assert payload["remainingFulfillmentOrder"] == {"id": fo_id, "status": "OPEN"}


@pytest.mark.parametrize("mutation", ["hold", "release"])
def test_holds_on_an_unknown_fulfilment_order_answer_not_found(shop: Shop, mutation: str) -> None:
    unknown = "gid://shopify/FulfillmentOrder/999999"
    if mutation == "hold":
        result = shop.data(HOLD, {"id": unknown, "hold": {"reason": "OTHER"}})["fulfillmentOrderHold"]
    else:
        result = shop.data(RELEASE, {"id": unknown})["fulfillmentOrderReleaseHold"]
    assert [e["code"] for e in result["userErrors"]] == ["FULFILLMENT_ORDER_NOT_FOUND"]
