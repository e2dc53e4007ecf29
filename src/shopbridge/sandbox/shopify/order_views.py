"""Stored order records -> GraphQL answers (dicts keyed by field name, see registry.py).

Connections and fields with arguments are callables taking the arguments as keywords. Fields the
sandbox does not model are absent, so reading them answers the "not implemented" error.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from . import order_figures as fig
from .connection import connection
from .ordermath import Bag, Discount, TaxLine
from .state import ShopState, numeric_id

View = dict[str, Any]


def money_v2(amount: Bag) -> dict[str, str]:
    return amount.as_money_bag()["shopMoney"]


def tax_line_view(tax: TaxLine) -> View:
    rate = float(tax.rate)
    return {
        "title": tax.title,
        "rate": rate,
        "ratePercentage": rate * 100,
        "priceSet": tax.price.as_money_bag(),
        "channelLiable": False,
        "source": None,
    }


def _discount_application(discount: Discount | None, zero: Bag) -> View:
    if discount is not None and discount.kind == "percentage":
        value: View = {"__typename": "PricingPercentageValue", "percentage": float(discount.value)}
    else:
        amount = (
            Bag(discount.value, discount.value, zero.shop_currency, zero.shop_currency) if discount else zero
        )
        value = {"__typename": "MoneyV2", **money_v2(amount)}
    return {
        "__typename": "DiscountCodeApplication",
        "code": discount.code if discount else "",
        "index": 0,
        "allocationMethod": "ACROSS",
        "targetSelection": "ALL",
        "targetType": "SHIPPING_LINE" if discount and discount.kind == "free_shipping" else "LINE_ITEM",
        "value": value,
    }


def _allocations(order: dict[str, Any], amount: Bag) -> list[View]:
    if amount.is_zero():
        return []
    app = _discount_application(order.get("discount"), fig.zero_of(order))
    return [{"allocatedAmountSet": amount.as_money_bag(), "discountApplication": app}]


def variant_view(state: ShopState, variant_id: str | None) -> View | None:
    """The catalogue's own ProductVariant answer (D1's resolvers own the record)."""
    from .resolvers.catalog import variant_node

    record = state.variants.get(variant_id or "")
    return variant_node(state, record) if record else None


def customer_view(state: ShopState, customer_id: str | None) -> View | None:
    from .resolvers.customers import customer_node

    record = state.customers.get(customer_id or "")
    return customer_node(state, record) if record else None


_COUNTRIES = {"GB": "United Kingdom", "US": "United States", "CA": "Canada", "FR": "France", "DE": "Germany"}


def address_view(order_id: str, kind: str, address: dict[str, Any] | None) -> View | None:
    """A MailingAddress from what the order was given (``countryCode`` or ``countryCodeV2``)."""
    if address is None:
        return None
    a = dict(address)
    code = a.get("countryCodeV2") or a.get("countryCode")
    first, last = a.get("firstName"), a.get("lastName")
    area = [p for p in (a.get("city"), a.get("province"), a.get("country") or _COUNTRIES.get(str(code))) if p]
    lines = [p for p in (a.get("address1"), a.get("address2"), a.get("city"), a.get("zip")) if p]
    keys = ("address1", "address2", "city", "company", "phone", "province", "provinceCode", "zip")
    return {
        **{k: a.get(k) for k in keys},
        "id": f"gid://shopify/MailingAddress/{numeric_id(order_id)}?kind={kind}",
        "firstName": first,
        "lastName": last,
        "name": " ".join(p for p in (first, last) if p) or None,
        "country": a.get("country") or _COUNTRIES.get(str(code)),
        "countryCodeV2": code,
        "countryCode": code,
        "formattedArea": ", ".join(area) or None,
        "formatted": lambda **_: lines,
        "latitude": None,
        "longitude": None,
        "timeZone": None,
        "coordinatesValidated": False,
        "validationResultSummary": None,
    }


def product_view(state: ShopState, product_id: str | None) -> View | None:
    """The catalogue's Product; a product the sandbox does not hold shows its id only."""
    from .resolvers.catalog import product_node

    if not product_id:
        return None
    record = state.products.get(product_id)
    return product_node(state, record) if record else {"id": product_id}


def location_view(state: ShopState, location_id: str | None) -> View | None:
    from .resolvers.catalog import location_node

    record = state.locations.get(location_id or "")
    return location_node(state, record) if record else None


def line_item_view(state: ShopState, order: dict[str, Any], line: dict[str, Any]) -> View:
    qty, current = int(line["quantity"]), fig.current_quantity(line)
    unfulfilled = max(0, current - int(line["fulfilled"]))
    unit: Bag = line["unit"]
    discount: Bag = line["discount"]
    discounted_total = unit.scale(qty) - discount
    return {
        "id": line["id"],
        "title": line["title"],
        "name": f"{line['title']} - {line['variant_title']}" if line.get("variant_title") else line["title"],
        "sku": line["sku"],
        "quantity": qty,
        "currentQuantity": current,
        "unfulfilledQuantity": unfulfilled,
        "fulfillableQuantity": unfulfilled,
        "refundableQuantity": current,
        "nonFulfillableQuantity": qty - current,
        "originalUnitPriceSet": unit.as_money_bag(),
        "discountedUnitPriceSet": _per_unit(discounted_total, qty).as_money_bag(),
        "originalTotalSet": unit.scale(qty).as_money_bag(),
        "discountedTotalSet": lambda **_: discounted_total.as_money_bag(),
        "totalDiscountSet": discount.as_money_bag(),
        "discountAllocations": _allocations(order, discount),
        "taxLines": lambda first=None, **_: [tax_line_view(t) for t in line["tax_lines"]][:first],
        "variant": variant_view(state, line["variant_id"]),
        "product": product_view(state, line.get("product_id")),
        "requiresShipping": line["requires_shipping"],
        "taxable": line["taxable"],
        "vendor": line.get("vendor"),
        "variantTitle": line.get("variant_title"),
        "isGiftCard": False,
        "customAttributes": [{"key": k, "value": v} for k, v in line.get("custom_attributes", [])],
    }


def _per_unit(total: Bag, quantity: int) -> Bag:
    return total if quantity == 0 else total.scale(Decimal(1) / Decimal(quantity)).rounded()


def shipping_line_view(order: dict[str, Any], ship: dict[str, Any]) -> View:
    price: Bag = ship["price"]
    discounted = price - ship["discount"]
    return {
        "id": ship["id"],
        "title": ship["title"],
        "code": ship["code"],
        "source": ship["source"],
        "custom": ship["source"] != "shopify",
        "isRemoved": False,
        "carrierIdentifier": None,
        "deliveryCategory": None,
        "phone": None,
        "shippingRateHandle": None,
        "originalPriceSet": price.as_money_bag(),
        "discountedPriceSet": discounted.as_money_bag(),
        "currentDiscountedPriceSet": discounted.as_money_bag(),
        "discountAllocations": _allocations(order, ship["discount"]),
        "taxLines": [tax_line_view(t) for t in ship["tax_lines"]],
    }


def transaction_view(state: ShopState, order: dict[str, Any], tx: dict[str, Any]) -> View:
    return {
        "id": tx["id"],
        "kind": tx["kind"],
        "status": tx["status"],
        "gateway": tx["gateway"],
        "formattedGateway": tx["gateway"].replace("_", " ").title(),
        "amountSet": tx["amount"].as_money_bag(),
        "createdAt": tx["created_at"],
        "processedAt": tx["created_at"],
        "test": tx["test"],
        "errorCode": None,
        "manualPaymentGateway": tx["gateway"] == "manual",
        "parentTransaction": _parent(state, order, tx.get("parent_id")),
        "order": {"id": order["id"], "name": order["name"]},
        "fees": [],
    }


def _parent(state: ShopState, order: dict[str, Any], parent_id: str | None) -> View | None:
    for tx in order["transactions"]:
        if tx["id"] == parent_id:
            return transaction_view(state, order, tx)
    return None


def fulfillment_order_view(state: ShopState, fo: dict[str, Any]) -> View:
    order = state.orders[fo["order_id"]]
    lines = {line["id"]: line for line in order["line_items"]}
    location = state.locations.get(fo["location_id"] or "", {})
    address = location.get("address") or {}
    return {
        "id": fo["id"],
        "status": fo["status"],
        "requestStatus": fo["request_status"],
        "createdAt": fo["created_at"],
        "orderId": order["id"],
        "orderName": order["name"],
        "assignedLocation": {
            "name": location.get("name") or "",
            "location": location_view(state, fo["location_id"]),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "zip": address.get("zip"),
            "countryCode": address.get("countryCode") or "GB",
            "phone": address.get("phone"),
        },
        "order": {"id": order["id"], "name": order["name"]},
        "lineItems": partial(_fo_lines, state, order, fo, lines),
        "fulfillmentHolds": _fo_holds(fo),
    }


def _fo_holds(fo: dict[str, Any]) -> list[View]:
    from .resolvers.fulfillment_orders import hold_views

    return hold_views(fo)


def _fo_lines(
    state: ShopState, order: dict[str, Any], fo: dict[str, Any], lines: dict[str, Any], **args: Any
) -> View:
    def node(item: dict[str, Any]) -> View:
        line = lines[item["line_item_id"]]
        return {
            "id": item["id"],
            "totalQuantity": item["total_quantity"],
            "remainingQuantity": item["remaining_quantity"],
            "sku": line["sku"],
            "lineItem": line_item_view(state, order, line),
        }

    return connection(fo["line_items"], node=node, **args)


def order_view(state: ShopState, order: dict[str, Any]) -> View:
    """The GraphQL Order (money fields from :mod:`.order_figures`)."""
    from .fulfillment_views import fulfillment_view, refund_view

    view = {**_order_identity(state, order), **_order_money(order)}
    view.update(
        {
            "lineItems": lambda **a: connection(
                order["line_items"], node=lambda li: line_item_view(state, order, li), **a
            ),
            "shippingLines": lambda **a: connection(
                order["shipping_lines"], node=lambda s: shipping_line_view(order, s), **a
            ),
            "transactions": lambda first=None, capturable=None, **_: [
                transaction_view(state, order, t) for t in order["transactions"]
            ][:first],
            "fulfillmentOrders": lambda **a: connection(
                [state.fulfillment_orders[i] for i in order["fulfillment_order_ids"]],
                node=lambda fo: fulfillment_order_view(state, fo),
                **{k: v for k, v in a.items() if k in ("first", "after", "last", "before", "reverse")},
            ),
            "fulfillments": lambda first=None, **_: [
                fulfillment_view(state, state.fulfillments[i]) for i in order["fulfillment_ids"]
            ][:first],
            "refunds": lambda first=None: [refund_view(state, state.refunds[i]) for i in order["refund_ids"]][
                :first
            ],
            "returns": lambda **a: connection([], **a),
        }
    )
    return view


def _order_identity(state: ShopState, order: dict[str, Any]) -> View:
    return {
        "__typename": "Order",
        "id": order["id"],
        "legacyResourceId": str(numeric_id(order["id"])),
        "name": order["name"],
        "number": order["number"],
        "createdAt": order["created_at"],
        "updatedAt": order["updated_at"],
        "processedAt": order["processed_at"],
        "cancelledAt": order["cancelled_at"],
        "cancelReason": order["cancel_reason"],
        "closed": order["closed_at"] is not None,
        "closedAt": order["closed_at"],
        "confirmed": True,
        "test": order["test"],
        "edited": order["edited"],
        "displayFinancialStatus": fig.financial_status(order),
        "displayFulfillmentStatus": fig.fulfillment_status(order),
        "currencyCode": order["currency"],
        "presentmentCurrencyCode": order["presentment_currency"],
        "taxesIncluded": order["taxes_included"],
        "email": order["email"],
        "phone": order["phone"],
        "customer": customer_view(state, order["customer_id"]),
        "purchasingEntity": _purchasing_entity(state, order),
        # Shopify sets it for point-of-sale orders only; online orders ship from fulfilment orders.
        "retailLocation": location_view(state, order["location_id"])
        if order["source_name"] == "pos"
        else None,
        "shippingAddress": address_view(order["id"], "shipping", order["shipping_address"]),
        "billingAddress": address_view(order["id"], "billing", order["billing_address"]),
        "tags": list(order["tags"]),
        "note": order["note"],
        "sourceName": order["source_name"],
        "discountCodes": list(order["discount_codes"]),
        "paymentGatewayNames": sorted({t["gateway"] for t in order["transactions"]}),
        "merchantEditable": order["cancelled_at"] is None,
        "currentSubtotalLineItemsQuantity": sum(fig.current_quantity(li) for li in order["line_items"]),
        "customAttributes": [],
        "poNumber": None,
    }


def _retail_location(state: ShopState, order: dict[str, Any]) -> View | None:
    return location_view(state, order["location_id"]) if order["source_name"] == "pos" else None


def _purchasing_entity(state: ShopState, order: dict[str, Any]) -> View | None:
    """``PurchasingCompany`` for a B2B order (one with a company), else the ``Customer`` (or null)."""
    company_id = order.get("company_id")
    if company_id:
        company = {"__typename": "Company", "id": company_id, "name": order.get("company_name", "")}
        return {"__typename": "PurchasingCompany", "company": company}
    return customer_view(state, order["customer_id"])


def _order_money(order: dict[str, Any]) -> View:
    original, current = fig.original_totals(order), fig.current_totals(order)
    owed, capturable = fig.outstanding(order), fig.capturable(order)
    tax_lines = fig.order_tax_lines(order)
    return {
        "subtotalPriceSet": original.subtotal.as_money_bag(),
        "totalDiscountsSet": original.discounts.as_money_bag(),
        "totalShippingPriceSet": original.shipping.as_money_bag(),
        "totalTaxSet": original.tax.as_money_bag(),
        "totalPriceSet": original.total.as_money_bag(),
        "originalTotalPriceSet": original.total.as_money_bag(),
        "currentSubtotalPriceSet": current.subtotal.as_money_bag(),
        "currentTotalDiscountsSet": current.discounts.as_money_bag(),
        "currentShippingPriceSet": current.shipping.as_money_bag(),
        "currentTotalTaxSet": current.tax.as_money_bag(),
        "currentTotalPriceSet": current.total.as_money_bag(),
        "totalOutstandingSet": owed.as_money_bag(),
        "totalReceivedSet": fig.received(order).as_money_bag(),
        "netPaymentSet": fig.net_payment(order).as_money_bag(),
        "totalRefundedSet": fig.refunded(order).as_money_bag(),
        "totalRefundedShippingSet": fig.refunded_shipping(order).as_money_bag(),
        "totalCapturableSet": capturable.as_money_bag(),
        "capturable": capturable.shop > 0,
        "fullyPaid": owed.shop <= 0 and capturable.shop <= 0,
        "unpaid": fig.received(order).is_zero(),
        "refundable": fig.net_payment(order).shop > 0,
        "taxLines": [tax_line_view(t) for t in tax_lines],
        "currentTaxLines": [tax_line_view(t) for t in tax_lines],
    }
