"""Stored fulfilment and refund records -> GraphQL answers."""

from __future__ import annotations

from typing import Any

from . import order_figures as fig
from .connection import connection
from .ordermath import Bag, bag_sum
from .state import ShopState, numeric_id

View = dict[str, Any]


def tracking_view(fulfillment: dict[str, Any]) -> list[View]:
    company = fulfillment["tracking_company"]
    urls = fulfillment["tracking_urls"]
    return [
        {"number": number, "url": urls[i] if i < len(urls) else None, "company": company}
        for i, number in enumerate(fulfillment["tracking_numbers"])
    ]


def fulfillment_view(state: ShopState, fulfillment: dict[str, Any]) -> View:
    from .order_views import line_item_view, location_view

    order = state.orders[fulfillment["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}

    def line_node(item: dict[str, Any]) -> View:
        line = lines[item["line_item_id"]]
        unit: Bag = line["unit"]
        return {
            "id": item["id"],
            "quantity": item["quantity"],
            "lineItem": line_item_view(state, order, line),
            "originalTotalSet": unit.scale(item["quantity"]).as_money_bag(),
            "discountedTotalSet": unit.scale(item["quantity"]).as_money_bag(),
        }

    return {
        "__typename": "Fulfillment",
        "id": fulfillment["id"],
        "legacyResourceId": str(numeric_id(fulfillment["id"])),
        "name": fulfillment["name"],
        "status": fulfillment["status"],
        "displayStatus": fulfillment["display_status"],
        "createdAt": fulfillment["created_at"],
        "updatedAt": fulfillment["updated_at"],
        "deliveredAt": None,
        "inTransitAt": None,
        "estimatedDeliveryAt": None,
        "requiresShipping": True,
        "totalQuantity": sum(item["quantity"] for item in fulfillment["line_items"]),
        "location": location_view(state, fulfillment["location_id"]),
        "order": {"id": order["id"], "name": order["name"]},
        "trackingInfo": lambda first=None: tracking_view(fulfillment)[:first],
        "fulfillmentLineItems": lambda **a: connection(fulfillment["line_items"], node=line_node, **a),
    }


def refund_view(state: ShopState, refund: dict[str, Any]) -> View:
    from .order_views import line_item_view, location_view, transaction_view

    order = state.orders[refund["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}
    transactions = [t for t in order["transactions"] if t["id"] in refund["transaction_ids"]]

    def line_node(item: dict[str, Any]) -> View:
        loc = item["location_id"]
        return {
            "id": item["id"],
            "quantity": item["quantity"],
            "restockType": item["restock_type"],
            "restocked": item["restocked"],
            "location": location_view(state, loc),
            "lineItem": line_item_view(state, order, lines[item["line_item_id"]]),
            "priceSet": item["price"].as_money_bag(),
            "subtotalSet": item["subtotal"].as_money_bag(),
            "totalTaxSet": item["tax"].as_money_bag(),
        }

    total = bag_sum((t["amount"] for t in transactions), fig.zero_of(order))
    return {
        "__typename": "Refund",
        "id": refund["id"],
        "legacyResourceId": str(numeric_id(refund["id"])),
        "note": refund["note"],
        "createdAt": refund["created_at"],
        "updatedAt": refund["created_at"],
        "processedAt": refund["created_at"],
        "order": {"id": order["id"], "name": order["name"]},
        "totalRefundedSet": total.as_money_bag(),
        "refundLineItems": lambda **a: connection(refund["lines"], node=line_node, **a),
        "transactions": lambda **a: connection(
            transactions, node=lambda t: transaction_view(state, order, t), **a
        ),
        "orderAdjustments": lambda **a: connection(refund["order_adjustments"], node=_adjustment_view, **a),
        "refundShippingLines": lambda **a: connection(
            refund["shipping_lines"], node=_shipping_refund_view, **a
        ),
    }


def _adjustment_view(adj: dict[str, Any]) -> View:
    return {
        "id": adj["id"],
        "reason": adj["reason"],
        "amountSet": adj["amount"].as_money_bag(),
        "taxAmountSet": adj["tax"].as_money_bag(),
    }


def _shipping_refund_view(item: dict[str, Any]) -> View:
    return {
        "id": item["id"],
        "shippingLine": {"id": item["shipping_line_id"], "title": item["title"]},
        "subtotalAmountSet": item["amount"].as_money_bag(),
        "taxAmountSet": item["tax"].as_money_bag(),
    }
