"""Orders placed through the checkout control route, read back over GraphQL like our client reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, read_order, running_shop, stock

CHECKOUT = {
    "customer": {"email": "Ada.Khan@Example.com", "firstName": "Ada", "lastName": "Khan"},
    "shipping": {"title": "Standard", "price": "3.95", "code": "STD"},
    "tax": {"title": "VAT", "rate": "0.2"},
    "taxes_included": True,
    "shipping_address": {
        "address1": "1 Station Road",
        "city": "Leeds",
        "zip": "LS1 1AA",
        "countryCodeV2": "GB",
    },
}


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def test_a_checkout_order_reads_back_with_lines_taxes_discounts_and_shipping(shop: Shop) -> None:
    shop.state.discount_codes["FIVEOFF"] = {"kind": "fixed", "value": "5.00"}
    lines = [
        {"variant_id": shop.variant("TEE-S"), "quantity": 2},
        {"variant_id": shop.variant("BOTTLE-01"), "quantity": 1},
    ]
    order = read_order(shop, shop.place(lines=lines, discount_code="FIVEOFF", **CHECKOUT))
    assert order["customer"]["email"] == "ada.khan@example.com"
    assert order["shippingAddress"] == {
        "address1": "1 Station Road",
        "city": "Leeds",
        "zip": "LS1 1AA",
        "countryCodeV2": "GB",
    }
    assert [(li["sku"], li["quantity"]) for li in order["lineItems"]["nodes"]] == [
        ("TEE-S", 2),
        ("BOTTLE-01", 1),
    ]
    # 30.00 and 12.00 share the 5.00 discount 3.57 / 1.43; VAT is inside the prices (1/6 of each).
    allocations = [
        li["discountAllocations"][0]["allocatedAmountSet"]["shopMoney"]["amount"]
        for li in order["lineItems"]["nodes"]
    ]
    assert allocations == ["3.57", "1.43"]
    taxes = [li["taxLines"][0]["priceSet"]["shopMoney"]["amount"] for li in order["lineItems"]["nodes"]]
    assert taxes == ["4.41", "1.76"]
    assert order["subtotalPriceSet"]["shopMoney"] == {"amount": "37.0", "currencyCode": "GBP"}
    assert order["totalShippingPriceSet"]["shopMoney"]["amount"] == "3.95"
    assert order["totalTaxSet"]["shopMoney"]["amount"] == "6.83"  # 4.41 + 1.76 + 0.66 on shipping
    assert order["totalPriceSet"]["shopMoney"]["amount"] == "40.95"
    assert order["displayFinancialStatus"] == "PAID"
    assert order["transactions"][0]["amountSet"]["shopMoney"]["amount"] == "40.95"


def test_an_authorised_order_is_not_paid_and_a_pending_one_has_no_transaction(shop: Shop) -> None:
    lines = [{"variant_id": shop.variant("MUG-01"), "quantity": 1}]
    authorised = read_order(shop, shop.place(lines=lines, payment="authorized"))
    pending = read_order(shop, shop.place(lines=lines, payment="pending"))
    assert authorised["displayFinancialStatus"] == "AUTHORIZED"
    assert [t["kind"] for t in authorised["transactions"]] == ["AUTHORIZATION"]
    assert pending["displayFinancialStatus"] == "PENDING"
    assert pending["transactions"] == []


def test_placing_an_order_commits_stock_at_the_order_location(shop: Shop) -> None:
    before = stock(shop, "TEE-M")
    order = read_order(shop, shop.place(lines=[{"variant_id": shop.variant("TEE-M"), "quantity": 3}]))
    after = stock(shop, "TEE-M")
    assert (after["available"], after["committed"]) == (before["available"] - 3, before["committed"] + 3)
    fo = order["fulfillmentOrders"]["nodes"][0]
    assert fo["assignedLocation"]["location"]["id"] == sorted(shop.state.locations)[0]
    assert fo["lineItems"]["nodes"][0]["remainingQuantity"] == 3


def test_orders_search_by_updated_at_pages_in_updated_order(shop: Shop) -> None:
    ids = [shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}]) for _ in range(5)]
    watermark = read_order(shop, ids[2])["updatedAt"]
    query = """query($q: String, $after: String) {
      orders(first: 2, after: $after, query: $q, sortKey: UPDATED_AT) {
        nodes { id updatedAt } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = shop.data(query, {"q": f"updated_at:>='{watermark}'", "after": after})["orders"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert all(read_order(shop, i)["updatedAt"] >= watermark for i in seen)
    assert set(ids[2:]) <= set(seen)


def test_an_unknown_order_reads_as_null(shop: Shop) -> None:
    assert shop.data('{ order(id: "gid://shopify/Order/999") { id } }')["order"] is None


def test_a_checkout_naming_an_unknown_variant_is_refused(shop: Shop) -> None:
    response = shop.http.post("/_sandbox/orders", json={"lines": [{"sku": "NOPE", "quantity": 1}]})
    assert response.status_code == 422
    assert "NOPE" in response.json()["error"]


def test_a_bundle_commits_its_components_stock(shop: Shop) -> None:
    mug, tee = stock(shop, "MUG-01"), stock(shop, "TEE-M")
    shop.place(lines=[{"variant_id": shop.variant("BUNDLE-BRK"), "quantity": 2}])  # 2 mugs + 1 tee each
    assert stock(shop, "MUG-01")["committed"] == mug["committed"] + 4
    assert stock(shop, "TEE-M")["committed"] == tee["committed"] + 2


def test_placing_an_order_publishes_inventory_level_updates_for_what_it_committed(shop: Shop) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    shop.state.events.subscribe(lambda topic, body: seen.append((topic, body)))
    before = stock(shop, "BOTTLE-01")
    shop.place(lines=[{"variant_id": shop.variant("BOTTLE-01"), "quantity": 2}])
    updates = [body for topic, body in seen if topic == "inventory_levels/update"]
    item = shop.state.variants[shop.variant("BOTTLE-01")]["inventory_item_id"]
    assert [
        u["available"] for u in updates if u["admin_graphql_api_id"].endswith(f"={item.rsplit('/', 1)[-1]}")
    ] == [before["available"] - 2]
    assert [t for t, _ in seen][:2] == ["orders/create", "orders/paid"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("financial_status:paid", ["paid"]),
        ("financial_status:authorized", ["authorized"]),
        ("tag:wholesale", ["paid"]),
        ("status:open financial_status:pending", ["pending"]),
    ],
)
def test_orders_search_filters_by_status_and_tag(shop: Shop, search: str, expected: list[str]) -> None:
    mug = [{"variant_id": shop.variant("MUG-01"), "quantity": 1}]
    made = {
        "paid": shop.place(lines=mug, tags=["wholesale"]),
        "authorized": shop.place(lines=mug, payment="authorized"),
        "pending": shop.place(lines=mug, payment="pending"),
    }
    found = shop.data("query($q: String) { orders(first: 10, query: $q) { nodes { id } } }", {"q": search})
    assert [n["id"] for n in found["orders"]["nodes"]] == [made[name] for name in expected]


def test_searching_orders_by_an_unsupported_field_says_so(shop: Shop) -> None:
    body = shop.graphql('{ orders(first: 5, query: "risk_level:high") { nodes { id } } }')
    assert "risk_level" in body["errors"][0]["message"]


def test_a_customers_orders_count_and_spend_follow_their_orders(shop: Shop) -> None:
    lines = [{"variant_id": shop.variant("BOTTLE-01"), "quantity": 2}]
    first = read_order(shop, shop.place(lines=lines, customer={"email": "rita@example.com"}))
    customer_id = first["customer"]["id"]
    shop.place(lines=lines, customer_id=customer_id)
    query = "query($id: ID!) { customer(id: $id) { numberOfOrders amountSpent { amount currencyCode } } }"
    customer = shop.data(query, {"id": customer_id})["customer"]
    assert customer == {"numberOfOrders": "2", "amountSpent": {"amount": "48.0", "currencyCode": "GBP"}}
