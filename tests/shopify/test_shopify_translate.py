"""Shopify shapes to canonical records: the REST webhook body and the GraphQL order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shopbridge.connectors.shopify.translate import (
    gid,
    numeric_id,
    order_from_graphql,
    order_from_rest,
    parse_time,
)
from shopbridge.domain.money import Money
from shopbridge.domain.records import FinancialStatus
from shopbridge.errors import BadInput

REST = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "rest-payloads"


def rest_order() -> dict[str, Any]:
    return dict(json.loads((REST / "order.json").read_text(encoding="utf-8"))["order"])


def test_rest_order_body_becomes_a_canonical_order() -> None:
    order = order_from_rest(rest_order(), shop="uk")
    assert (order.shopify_id, order.name, order.currency) == ("gid://shopify/Order/450789469", "#1001", "USD")
    assert order.created_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert order.financial_status is FinancialStatus.AUTHORIZED
    assert order.total_price == Money.of("409.94", "USD")
    assert order.skus == ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")
    assert order.lines[0].unit_price == Money.of("199.00", "USD")
    assert order.customer is not None and order.customer.email == "bob.norman@hostmail.com"
    assert order.shipping_address is not None and order.shipping_address.city


def test_rest_order_without_its_name_is_bad_input() -> None:
    body = rest_order()
    del body["name"]
    with pytest.raises(BadInput, match="name"):
        order_from_rest(body)


def bag(amount: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": amount, "currencyCode": "GBP"}}


GRAPHQL_ORDER = {
    "id": "gid://shopify/Order/9",
    "name": "#1009",
    "currencyCode": "GBP",
    "createdAt": "2026-11-22T10:00:00Z",
    "updatedAt": "2026-11-22T10:05:00Z",
    "displayFinancialStatus": "PAID",
    "taxesIncluded": False,
    "totalPriceSet": bag("40.95"),
    "customer": {"id": "gid://shopify/Customer/3", "defaultEmailAddress": {"emailAddress": "a@x.io"}},
    "lineItems": {
        "nodes": [
            {
                "id": "gid://shopify/LineItem/1",
                "sku": "TEE-M",
                "title": "Classic Tee",
                "quantity": 3,
                "currentQuantity": 2,
                "variant": {"id": "gid://shopify/ProductVariant/5"},
                "originalUnitPriceSet": bag("15.00"),
                "taxLines": [{"title": "VAT", "rate": 0.2, "priceSet": bag("5.40")}],
                "discountAllocations": [
                    {
                        "allocatedAmountSet": bag("3.00"),
                        "discountApplication": {"__typename": "DiscountCodeApplication", "code": "TENOFF"},
                    }
                ],
            }
        ]
    },
    "shippingLines": {
        "nodes": [{"title": "Standard", "code": "STD", "originalPriceSet": bag("4.95")}]
    },
    "transactions": [
        {"id": "t1", "kind": "SALE", "status": "SUCCESS", "gateway": "manual", "amountSet": bag("40.95")},
    ],
}  # fmt: skip


def test_graphql_order_becomes_a_canonical_order_with_shopifys_tax() -> None:
    order = order_from_graphql(GRAPHQL_ORDER, shop="uk")
    [line] = order.lines
    assert line.quantity == 2  # currentQuantity: after edits and removals
    assert line.tax_total == Money.of("5.40", "GBP") and line.tax_lines[0].rate == Decimal("0.2")
    assert line.discounts[0].code == "TENOFF" and line.net == Money.of("27.00", "GBP")
    assert order.shipping_lines[0].price == Money.of("4.95", "GBP")
    assert order.transactions[0].kind == "sale" and order.financial_status is FinancialStatus.PAID
    assert order.customer is not None and order.customer.email == "a@x.io"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T10:00:00Z", datetime(2026, 11, 22, 10, tzinfo=UTC)),
        ("2008-01-10T11:00:00-05:00", datetime(2008, 1, 10, 16, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_time_gives_aware_utc(value: str | None, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_parse_time_refuses_a_naive_time() -> None:
    with pytest.raises(BadInput):
        parse_time("2026-11-22T10:00:00")


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [("Order", 5, "gid://shopify/Order/5"), ("Order", "gid://shopify/Order/5", "gid://shopify/Order/5")],
)
def test_gid_and_numeric_id_round_trip(kind: str, value: object, expected: str) -> None:
    assert gid(kind, value) == expected
    assert numeric_id(expected) == "5"
