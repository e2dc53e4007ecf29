"""Stored order-side records -> REST-shaped webhook bodies (like ``rest-payloads/order.json``).

Webhook bodies are still the REST resources even though the API is GraphQL-only: numeric ids
(plus ``admin_graphql_api_id``), snake_case keys, lowercase statuses, money as fixed-point strings
("199.00") and ``*_set`` money bags with ``shop_money``/``presentment_money``.
"""

from __future__ import annotations

import re
from typing import Any

from . import order_figures as fig
from .ordermath import Bag, TaxLine, bag_sum, round_money
from .state import ShopState, numeric_id

Body = dict[str, Any]


def rest_amount(amount: Bag) -> str:
    """The shop-currency amount as REST writes it: always the currency's decimals ("10.00")."""
    return str(round_money(amount.shop, amount.shop_currency))


def rest_set(amount: Bag) -> Body:
    def side(value: Any, currency: str) -> Body:
        return {"amount": str(round_money(value, currency)), "currency_code": currency}

    return {
        "shop_money": side(amount.shop, amount.shop_currency),
        "presentment_money": side(amount.presentment, amount.presentment_currency),
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("_v2", "")


_REST_ADDRESS = (
    "address1",
    "address2",
    "city",
    "company",
    "country",
    "countryCodeV2",
    "firstName",
    "lastName",
    "latitude",
    "longitude",
    "name",
    "phone",
    "province",
    "provinceCode",
    "zip",
)


def rest_address(address: dict[str, Any] | None) -> Body | None:
    """The address as REST writes it (country_code, province_code, first_name...), completed the
    way the GraphQL MailingAddress is (name, country)."""
    from .order_views import address_view

    view = address_view("gid://shopify/Order/0", "rest", address)
    if view is None:
        return None
    return {_snake(key): view.get(key) for key in _REST_ADDRESS}


def _tax_lines(taxes: list[TaxLine]) -> list[Body]:
    return [
        {
            "title": t.title,
            "rate": float(t.rate),
            "price": rest_amount(t.price),
            "price_set": rest_set(t.price),
        }
        for t in taxes
    ]


def _status(value: str | None) -> str | None:
    return value.lower() if value else None


def _fulfillment_status(order: dict[str, Any]) -> str | None:
    return {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(fig.fulfillment_status(order))


def line_item_body(order: dict[str, Any], line: dict[str, Any]) -> Body:
    current = fig.current_quantity(line)
    unit: Bag = line["unit"]
    return {
        "id": numeric_id(line["id"]),
        "admin_graphql_api_id": line["id"],
        "variant_id": numeric_id(line["variant_id"]) if line["variant_id"] else None,
        "product_id": numeric_id(line["product_id"]) if line["product_id"] else None,
        "title": line["title"],
        "variant_title": line["variant_title"],
        "name": f"{line['title']} - {line['variant_title']}" if line["variant_title"] else line["title"],
        "sku": line["sku"],
        "vendor": line["vendor"],
        "quantity": line["quantity"],
        "current_quantity": current,
        "fulfillable_quantity": max(0, current - line["fulfilled"]),
        "fulfillment_status": "fulfilled" if line["fulfilled"] and line["fulfilled"] >= current else None,
        "fulfillment_service": "manual",
        "requires_shipping": line["requires_shipping"],
        "taxable": line["taxable"],
        "gift_card": False,
        "price": rest_amount(unit),
        "price_set": rest_set(unit),
        "total_discount": rest_amount(line["discount"]),
        "total_discount_set": rest_set(line["discount"]),
        "discount_allocations": _allocations(line["discount"]),
        "tax_lines": _tax_lines(line["tax_lines"]),
        "properties": [{"name": k, "value": v} for k, v in line.get("custom_attributes", [])],
        "product_exists": line["product_id"] is not None,
        "grams": 0,
        "variant_inventory_management": "shopify" if line["inventory_item_id"] else None,
    }


def _allocations(amount: Bag) -> list[Body]:
    if amount.is_zero():
        return []
    return [{"amount": rest_amount(amount), "amount_set": rest_set(amount), "discount_application_index": 0}]


def _shipping_body(ship: dict[str, Any]) -> Body:
    price: Bag = ship["price"]
    return {
        "id": numeric_id(ship["id"]),
        "title": ship["title"],
        "code": ship["code"],
        "source": ship["source"],
        "price": rest_amount(price),
        "price_set": rest_set(price),
        "discounted_price": rest_amount(price - ship["discount"]),
        "discounted_price_set": rest_set(price - ship["discount"]),
        "tax_lines": _tax_lines(ship["tax_lines"]),
    }


def _customer_body(state: ShopState, customer_id: str | None) -> Body | None:
    """The customer as its own webhooks show it (the catalogue side builds that body)."""
    from .payloads_catalog import customer_payload

    record = state.customers.get(customer_id or "")
    return customer_payload(state, record) if record else None


def order_body(state: ShopState, order: dict[str, Any]) -> Body:
    """The ``orders/*`` webhook body."""
    original, current = fig.original_totals(order), fig.current_totals(order)
    lines_price = bag_sum(
        (li["unit"].scale(li["quantity"]) for li in order["line_items"]), fig.zero_of(order)
    )
    gateways = sorted({t["gateway"] for t in order["transactions"]})
    body: Body = {
        "id": numeric_id(order["id"]),
        "admin_graphql_api_id": order["id"],
        "name": order["name"],
        "number": order["number"] - 1000,
        "order_number": order["number"],
        "email": order["email"],
        "phone": order["phone"],
        "created_at": order["created_at"],
        "updated_at": order["updated_at"],
        "processed_at": order["processed_at"],
        "cancelled_at": order["cancelled_at"],
        "cancel_reason": _status(order["cancel_reason"]),
        "closed_at": order["closed_at"],
        "confirmed": True,
        "currency": order["currency"],
        "presentment_currency": order["presentment_currency"],
        "financial_status": _status(fig.financial_status(order)),
        "fulfillment_status": _fulfillment_status(order),
        "gateway": gateways[0] if gateways else None,
        "payment_gateway_names": gateways,
        "source_name": order["source_name"],
        "source": order["source_name"],
        "processing_method": "direct" if order["transactions"] else "manual",
        "token": f"{numeric_id(order['id']):032x}",
        "reference": None,
        "user_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "cart_token": None,
        "checkout_id": None,
        "checkout_token": None,
        "client_details": None,
        "landing_site": None,
        "landing_site_ref": None,
        "referring_site": None,
        "payment_details": None,
        "total_weight": 0,
        "location_id": numeric_id(order["location_id"]) if order["location_id"] else None,
        "taxes_included": order["taxes_included"],
        "test": order["test"],
        "tags": ", ".join(order["tags"]),
        "note": order["note"],
        "note_attributes": [],
        "discount_codes": [
            {"code": c, "amount": rest_amount(original.discounts), "type": _discount_type(order)}
            for c in order["discount_codes"]
        ],
        "total_line_items_price": rest_amount(lines_price),
        "subtotal_price": rest_amount(original.subtotal),
        "total_discounts": rest_amount(original.discounts),
        "total_shipping_price_set": rest_set(original.shipping),
        "total_tax": rest_amount(original.tax),
        "total_price": rest_amount(original.total),
        "total_price_usd": rest_amount(original.total) if order["currency"] == "USD" else None,
        "current_subtotal_price": rest_amount(current.subtotal),
        "current_total_discounts": rest_amount(current.discounts),
        "current_total_tax": rest_amount(current.tax),
        "current_total_price": rest_amount(current.total),
        "total_outstanding": rest_amount(fig.outstanding(order)),
        "subtotal_price_set": rest_set(original.subtotal),
        "total_price_set": rest_set(original.total),
        "total_tax_set": rest_set(original.tax),
        "total_discounts_set": rest_set(original.discounts),
        "current_total_price_set": rest_set(current.total),
        "tax_lines": _tax_lines(_order_taxes(order)),
        "line_items": [line_item_body(order, li) for li in order["line_items"]],
        "shipping_lines": [_shipping_body(s) for s in order["shipping_lines"]],
        "customer": _customer_body(state, order["customer_id"]),
        "shipping_address": rest_address(order["shipping_address"]),
        "billing_address": rest_address(order["billing_address"]),
        "refunds": [refund_body(state, state.refunds[r]) for r in order["refund_ids"]],
        "fulfillments": [fulfillment_body(state, state.fulfillments[f]) for f in order["fulfillment_ids"]],
    }
    return body


def _discount_type(order: dict[str, Any]) -> str:
    discount = order.get("discount")
    kinds = {"fixed": "fixed_amount", "percentage": "percentage", "free_shipping": "shipping"}
    return kinds.get(discount.kind, "fixed_amount") if discount else "fixed_amount"


def _order_taxes(order: dict[str, Any]) -> list[TaxLine]:
    return fig.order_tax_lines(order)


def transaction_body(order: dict[str, Any], tx: dict[str, Any]) -> Body:
    return {
        "id": numeric_id(tx["id"]),
        "admin_graphql_api_id": tx["id"],
        "order_id": numeric_id(order["id"]),
        "kind": tx["kind"].lower(),
        "status": tx["status"].lower(),
        "gateway": tx["gateway"],
        "amount": rest_amount(tx["amount"]),
        "currency": order["currency"],
        "parent_id": numeric_id(tx["parent_id"]) if tx["parent_id"] else None,
        "created_at": tx["created_at"],
        "test": tx["test"],
        "authorization": None,
        "device_id": None,
        "error_code": None,
        "location_id": None,
        "message": None,
        "receipt": {},
        "source_name": "web",
        "user_id": None,
    }


def refund_body(state: ShopState, refund: dict[str, Any]) -> Body:
    """The ``refunds/create`` webhook body (``rest-payloads/refund.json``)."""
    order = state.orders[refund["order_id"]]
    lines = {li["id"]: li for li in order["line_items"]}
    return {
        "id": numeric_id(refund["id"]),
        "admin_graphql_api_id": refund["id"],
        "order_id": numeric_id(order["id"]),
        "created_at": refund["created_at"],
        "processed_at": refund["created_at"],
        "note": refund["note"],
        "restock": any(item["restocked"] for item in refund["lines"]),
        "user_id": None,
        "refund_line_items": [_refund_line_body(order, lines[i["line_item_id"]], i) for i in refund["lines"]],
        "transactions": [
            transaction_body(order, t) for t in order["transactions"] if t["id"] in refund["transaction_ids"]
        ],
        "order_adjustments": [
            {
                "id": numeric_id(a["id"]),
                "amount": rest_amount(a["amount"]),
                "tax_amount": rest_amount(a["tax"]),
                "kind": "shipping_refund",
                "reason": a["reason"],
            }
            for a in refund["order_adjustments"]
        ],
    }


def _refund_line_body(order: dict[str, Any], line: dict[str, Any], item: dict[str, Any]) -> Body:
    return {
        "id": numeric_id(item["id"]),
        "quantity": item["quantity"],
        "line_item_id": numeric_id(line["id"]),
        "location_id": numeric_id(item["location_id"]) if item["location_id"] else None,
        "restock_type": item["restock_type"].lower(),
        "subtotal": rest_amount(item["subtotal"]),
        "subtotal_set": rest_set(item["subtotal"]),
        "total_tax": rest_amount(item["tax"]),
        "total_tax_set": rest_set(item["tax"]),
        "line_item": line_item_body(order, line),
    }


def fulfillment_body(state: ShopState, fulfillment: dict[str, Any]) -> Body:
    """The ``fulfillments/create`` webhook body (``rest-payloads/fulfillment.json``)."""
    order = state.orders[fulfillment["order_id"]]
    lines = {li["id"]: li for li in order["line_items"]}
    numbers, urls = fulfillment["tracking_numbers"], fulfillment["tracking_urls"]
    return {
        "id": numeric_id(fulfillment["id"]),
        "admin_graphql_api_id": fulfillment["id"],
        "order_id": numeric_id(order["id"]),
        "name": fulfillment["name"],
        "status": fulfillment["status"].lower(),
        "service": "manual",
        "created_at": fulfillment["created_at"],
        "updated_at": fulfillment["updated_at"],
        "location_id": numeric_id(fulfillment["location_id"]) if fulfillment["location_id"] else None,
        "tracking_company": fulfillment["tracking_company"],
        "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": list(numbers),
        "tracking_url": urls[0] if urls else None,
        "tracking_urls": list(urls),
        "receipt": {},
        "line_items": [
            {**line_item_body(order, lines[i["line_item_id"]]), "quantity": i["quantity"]}
            for i in fulfillment["line_items"]
        ],
    }
