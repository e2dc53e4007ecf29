"""Returns over HTTP: returnCreate on fulfilled units, returnProcess restocking and refunding them, the
Return and ReverseFulfillmentOrder reads, and the documented error codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, read_order, running_shop, stock

FULFIL = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id fulfillmentLineItems(first: 5) { nodes { id quantity lineItem { sku } } } }
  userErrors { field message } } }"""
RETURN_FIELDS = """id name status closedAt totalQuantity
  order { id name }
  returnLineItems(first: 5) { nodes { ... on ReturnLineItem { id quantity processedQuantity
    unprocessedQuantity refundedQuantity returnReason fulfillmentLineItem { id lineItem { sku } } } } }
  reverseFulfillmentOrders(first: 5) { nodes { id status lineItems(first: 5) { nodes { id totalQuantity
    dispositions { type quantity location { id } } fulfillmentLineItem { id } } } } }
  refunds(first: 5) { nodes { id totalRefundedSet { shopMoney { amount } }
    refundLineItems(first: 5) { nodes { quantity restockType restocked location { id }
      lineItem { sku } } } } }"""
CREATE = f"""mutation($r: ReturnInput!) {{ returnCreate(returnInput: $r) {{
  return {{ {RETURN_FIELDS} }} userErrors {{ field code message }} }} }}"""
PROCESS = f"""mutation($i: ReturnProcessInput!) {{ returnProcess(input: $i) {{
  return {{ {RETURN_FIELDS} }} userErrors {{ field code message }} }} }}"""
READ = f"""query($id: ID!, $rfo: ID!) {{ return(id: $id) {{ {RETURN_FIELDS} }}
  reverseFulfillmentOrder(id: $rfo) {{ id status order {{ name }}
    lineItems(first: 5) {{ nodes {{ totalQuantity }} }} }}
  node(id: $id) {{ ... on Return {{ name }} }} }}"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _shipped(shop: Shop, quantity: int = 3) -> tuple[dict[str, Any], dict[str, Any]]:
    """A paid order of BOTTLE-01, fully fulfilled; returns the order and its fulfillment line item."""
    order = read_order(
        shop, shop.place(lines=[{"variant_id": shop.variant("BOTTLE-01"), "quantity": quantity}])
    )
    fo = order["fulfillmentOrders"]["nodes"][0]
    item = fo["lineItems"]["nodes"][0]
    group = {
        "fulfillmentOrderId": fo["id"],
        "fulfillmentOrderLineItems": [{"id": item["id"], "quantity": quantity}],
    }
    made = shop.data(FULFIL, {"f": {"lineItemsByFulfillmentOrder": [group], "notifyCustomer": False}})
    fulfillment = made["fulfillmentCreate"]["fulfillment"]
    return order, fulfillment["fulfillmentLineItems"]["nodes"][0]


def _create(shop: Shop, order: dict[str, Any], line_id: str, quantity: int) -> dict[str, Any]:
    data = {
        "orderId": order["id"],
        "returnLineItems": [
            {"fulfillmentLineItemId": line_id, "quantity": quantity, "returnReason": "UNWANTED"}
        ],
    }
    result: dict[str, Any] = shop.data(CREATE, {"r": data})["returnCreate"]
    return result


def test_return_create_opens_a_return_with_its_reverse_fulfillment_order(shop: Shop) -> None:
    order, line = _shipped(shop)
    result = _create(shop, order, line["id"], 2)
    assert result["userErrors"] == []
    made = result["return"]
    assert (made["name"], made["status"], made["totalQuantity"], made["closedAt"]) == (
        f"{order['name']}-R1",
        "OPEN",
        2,
        None,
    )
    item = made["returnLineItems"]["nodes"][0]
    assert (
        item["quantity"],
        item["processedQuantity"],
        item["unprocessedQuantity"],
        item["returnReason"],
    ) == (
        2,
        0,
        2,
        "UNWANTED",
    )
    assert item["fulfillmentLineItem"] == {"id": line["id"], "lineItem": {"sku": "BOTTLE-01"}}
    rfo = made["reverseFulfillmentOrders"]["nodes"][0]
    assert rfo["status"] == "OPEN"
    assert [(n["totalQuantity"], n["dispositions"]) for n in rfo["lineItems"]["nodes"]] == [(2, [])]
    read = shop.data(READ, {"id": made["id"], "rfo": rfo["id"]})
    assert read["return"]["id"] == made["id"] and read["node"] == {"name": made["name"]}
    assert read["reverseFulfillmentOrder"]["order"] == {"name": order["name"]}


def test_return_create_refuses_in_returnerrorcode_terms(shop: Shop) -> None:
    order, line = _shipped(shop, quantity=2)
    missing = _create(shop, order, "gid://shopify/FulfillmentLineItem/999999", 1)["userErrors"]
    assert [(e["code"], e["field"]) for e in missing] == [
        ("NOT_FOUND", ["returnInput", "returnLineItems", "0", "fulfillmentLineItemId"])
    ]
    too_many = _create(shop, order, line["id"], 3)["userErrors"]
    assert [(e["code"], e["field"]) for e in too_many] == [
        ("INVALID", ["returnInput", "returnLineItems", "0", "quantity"])
    ]
    assert _create(shop, order, line["id"], 2)["userErrors"] == []
    again = _create(shop, order, line["id"], 1)["userErrors"]  # every shipped unit is on a return already
    assert [e["code"] for e in again] == ["INVALID"]
    no_order = shop.data(CREATE, {"r": {"orderId": "gid://shopify/Order/999999", "returnLineItems": []}})
    assert [e["code"] for e in no_order["returnCreate"]["userErrors"]] == ["NOT_FOUND"]


def test_return_process_restocks_refunds_and_closes_the_return(shop: Shop) -> None:
    order, line = _shipped(shop)
    made = _create(shop, order, line["id"], 2)["return"]
    rfo_line = made["reverseFulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"][0]
    location = order["fulfillmentOrders"]["nodes"][0]["assignedLocation"]["location"]["id"]
    before = stock(shop, "BOTTLE-01")
    sale = shop.state.orders[order["id"]]["transactions"][0]
    unit = order["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"]
    amount = str(2 * float(unit))
    data = {
        "returnId": made["id"],
        "returnLineItems": [
            {
                "id": made["returnLineItems"]["nodes"][0]["id"],
                "quantity": 2,
                "dispositions": [
                    {
                        "reverseFulfillmentOrderLineItemId": rfo_line["id"],
                        "quantity": 2,
                        "dispositionType": "RESTOCKED",
                        "locationId": location,
                    }
                ],
            }
        ],
        "financialTransfer": {
            "issueRefund": {
                "orderTransactions": [
                    {"transactionAmount": {"amount": amount, "currencyCode": "GBP"}, "parentId": sale["id"]}
                ]
            }
        },
    }
    result = shop.data(PROCESS, {"i": data})["returnProcess"]
    assert result["userErrors"] == []
    done = result["return"]
    assert (done["status"], done["closedAt"] is not None) == ("CLOSED", True)
    item = done["returnLineItems"]["nodes"][0]
    assert (item["processedQuantity"], item["unprocessedQuantity"], item["refundedQuantity"]) == (2, 0, 2)
    rfo = done["reverseFulfillmentOrders"]["nodes"][0]
    assert rfo["status"] == "CLOSED"
    assert rfo["lineItems"]["nodes"][0]["dispositions"] == [
        {"type": "RESTOCKED", "quantity": 2, "location": {"id": location}}
    ]
    refund = done["refunds"]["nodes"][0]
    assert float(refund["totalRefundedSet"]["shopMoney"]["amount"]) == float(amount)
    assert refund["refundLineItems"]["nodes"] == [
        {
            "quantity": 2,
            "restockType": "RETURN",
            "restocked": True,
            "location": {"id": location},
            "lineItem": {"sku": "BOTTLE-01"},
        }
    ]
    after = stock(shop, "BOTTLE-01")
    assert after["available"] == before["available"] + 2  # restocked once, by the disposition
    again = shop.data(PROCESS, {"i": data})["returnProcess"]["userErrors"]
    assert [(e["code"], e["field"]) for e in again] == [("INVALID_STATE", ["input", "returnId"])]


def test_return_process_refuses_more_than_is_unprocessed_and_unknown_lines(shop: Shop) -> None:
    order, line = _shipped(shop)
    made = _create(shop, order, line["id"], 1)["return"]
    line_id = made["returnLineItems"]["nodes"][0]["id"]
    over = shop.data(
        PROCESS, {"i": {"returnId": made["id"], "returnLineItems": [{"id": line_id, "quantity": 2}]}}
    )
    assert [(e["code"], e["field"]) for e in over["returnProcess"]["userErrors"]] == [
        ("INVALID", ["input", "returnLineItems", "0", "quantity"])
    ]
    unknown = shop.data(
        PROCESS,
        {
            "i": {
                "returnId": made["id"],
                "returnLineItems": [{"id": "gid://shopify/ReturnLineItem/0", "quantity": 1}],
            }
        },
    )
    assert [e["code"] for e in unknown["returnProcess"]["userErrors"]] == ["NOT_FOUND"]
    no_return = shop.data(PROCESS, {"i": {"returnId": "gid://shopify/Return/0", "returnLineItems": []}})
    assert [e["code"] for e in no_return["returnProcess"]["userErrors"]] == ["NOT_FOUND"]
    # processing without a refund keeps the return open until every unit is processed
    partial = shop.data(
        PROCESS, {"i": {"returnId": made["id"], "returnLineItems": [{"id": line_id, "quantity": 1}]}}
    )
    assert partial["returnProcess"]["return"]["status"] == "CLOSED"
    assert partial["returnProcess"]["return"]["refunds"]["nodes"] == []
