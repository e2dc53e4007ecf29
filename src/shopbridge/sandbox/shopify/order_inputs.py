"""``orderCreate``'s ``OrderCreateOrderInput`` -> :class:`OrderSpec`, with Shopify's userErrors.

Like Shopify's ``orderCreate``, no tax is computed: the caller states the tax lines (the checkout
path in :mod:`.checkout` is the one that applies a tax rate).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .order_model import LineSpec, OrderSpec, PaymentSpec, ShippingSpec
from .ordermath import Bag, Discount, TaxLine
from .state import ShopState

UserError = dict[str, Any]


def dec(value: Any) -> Decimal:
    """Decimal from a GraphQL Decimal/Money/Float input (strings or numbers); never via float text."""
    return Decimal(str(value))


def parse_bag(data: dict[str, Any] | None, currency: str, presentment: str) -> Bag:
    """A ``MoneyBagInput``; a missing presentment side equals the shop side."""
    if not data:
        return Bag.zero(currency, presentment)
    shop = data.get("shopMoney") or {}
    pres = data.get("presentmentMoney") or shop
    return Bag(
        dec(shop.get("amount", 0)),
        dec(pres.get("amount", 0)),
        str(shop.get("currencyCode") or currency),
        str(pres.get("currencyCode") or presentment),
    )


def parse_tax_lines(
    items: list[dict[str, Any]] | None, currency: str, presentment: str
) -> tuple[TaxLine, ...] | None:
    if items is None:
        return None
    return tuple(
        TaxLine(
            str(t.get("title") or ""),
            dec(t.get("rate") or 0),
            parse_bag(t.get("priceSet"), currency, presentment),
        )
        for t in items
    )


def parse_discount(data: dict[str, Any] | None, currency: str, presentment: str) -> Discount | None:
    if not data:
        return None
    if fixed := data.get("itemFixedDiscountCode"):
        bag = parse_bag(fixed.get("amountSet"), currency, presentment)
        return Discount(str(fixed.get("code") or ""), "fixed", bag.shop, bag.presentment)
    if pct := data.get("itemPercentageDiscountCode"):
        return Discount(str(pct.get("code") or ""), "percentage", dec(pct.get("percentage") or 0))
    if ship := data.get("freeShippingDiscountCode"):
        return Discount(str(ship.get("code") or ""), "free_shipping", Decimal(0))
    return None


def validate(order: dict[str, Any], now: datetime) -> list[UserError]:
    """The validations the recorded ``order-create-validation-matrix*`` captures show."""
    if not order.get("lineItems"):
        return [_error(["order", "lineItems"], "Line items must have at least one line item", "INVALID")]
    if _in_future(order.get("processedAt"), now):
        return [
            _error(["order", "processedAt"], "Processed at must not be in the future", "PROCESSED_AT_INVALID")
        ]
    if order.get("customerId") and order.get("customer"):
        return [_error(["order"], "Cannot specify both customerId and customer", "REDUNDANT_CUSTOMER_FIELDS")]
    return _missing_rates(order, "lineItems") or _missing_rates(order, "shippingLines")


def _error(field: list[str], message: str, code: str) -> UserError:
    return {"field": field, "message": message, "code": code}


def _in_future(value: Any, now: datetime) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) > now
    except ValueError:
        return True


def _missing_rates(order: dict[str, Any], kind: str) -> list[UserError]:
    """A stated tax line needs its rate (Shopify: TAX_LINE_RATE_MISSING)."""
    for i, line in enumerate(order.get(kind) or []):
        for j, tax in enumerate(line.get("taxLines") or []):
            if tax.get("rate") in (None, ""):
                field = ["order", kind, str(i), "taxLines", str(j), "rate"]
                return [_error(field, "Tax line rate is missing", "TAX_LINE_RATE_MISSING")]
    return []


def line_from_input(state: ShopState, item: dict[str, Any], currency: str, presentment: str) -> LineSpec:
    variant = state.variants.get(str(item.get("variantId") or ""), {})
    unit = (
        parse_bag(item.get("priceSet"), currency, presentment)
        if item.get("priceSet")
        else _variant_price(variant, currency, presentment)
    )
    return LineSpec(
        title=str(item.get("title") or variant.get("title") or "Untitled"),
        quantity=int(item.get("quantity") or 1),
        unit=unit,
        sku=item.get("sku") if item.get("sku") is not None else variant.get("sku"),
        variant_id=item.get("variantId"),
        inventory_item_id=inventory_item_of(variant),
        variant_title=item.get("variantTitle"),
        vendor=item.get("vendor"),
        taxable=bool(item.get("taxable", True)),
        requires_shipping=bool(item.get("requiresShipping", True)),
        tax_lines=parse_tax_lines(item.get("taxLines"), currency, presentment),
        product_id=item.get("productId") or variant.get("product_id"),
        custom_attributes=tuple((str(p["name"]), str(p["value"])) for p in item.get("properties") or []),
    )


def _variant_price(variant: dict[str, Any], currency: str, presentment: str) -> Bag:
    price = variant.get("price") or "0"
    amount = dec(price.get("amount", 0) if isinstance(price, dict) else price)
    return Bag(amount, amount, currency, presentment)


def inventory_item_of(variant: dict[str, Any]) -> str | None:
    """The inventory item GID of a catalogue variant record, whichever way the catalogue keys it."""
    for key in ("inventory_item_id", "inventoryItemId"):
        if isinstance(variant.get(key), str):
            return str(variant[key])
    item = variant.get("inventoryItem")
    return str(item["id"]) if isinstance(item, dict) and "id" in item else None


def spec_from_input(state: ShopState, order: dict[str, Any]) -> OrderSpec:
    currency = str(order.get("currency") or state.currency)
    presentment = str(order.get("presentmentCurrency") or currency)
    return OrderSpec(
        currency=currency,
        presentment_currency=presentment,
        lines=[line_from_input(state, i, currency, presentment) for i in order["lineItems"]],
        shipping=[_shipping_from_input(s, currency, presentment) for s in order.get("shippingLines") or []],
        discount=parse_discount(order.get("discountCode"), currency, presentment),
        taxes_included=bool(order.get("taxesIncluded") or False),
        payments=[_payment_from_input(t, currency, presentment) for t in order.get("transactions") or []],
        financial_status=order.get("financialStatus") if not order.get("transactions") else None,
        email=order.get("email"),
        phone=order.get("phone"),
        customer_id=order.get("customerId")
        or ((order.get("customer") or {}).get("toAssociate") or {}).get("id"),
        shipping_address=order.get("shippingAddress"),
        billing_address=order.get("billingAddress"),
        tags=list(order.get("tags") or []),
        note=order.get("note"),
        test=bool(order.get("test") or False),
        source_name=str(order.get("sourceName") or "shopify_draft_order"),
    )


def _shipping_from_input(item: dict[str, Any], currency: str, presentment: str) -> ShippingSpec:
    return ShippingSpec(
        title=str(item.get("title") or ""),
        price=parse_bag(item.get("priceSet"), currency, presentment),
        code=item.get("code"),
        source=item.get("source"),
        tax_lines=parse_tax_lines(item.get("taxLines"), currency, presentment),
    )


def _payment_from_input(item: dict[str, Any], currency: str, presentment: str) -> PaymentSpec:
    return PaymentSpec(
        kind=str(item.get("kind") or "SALE"),
        gateway=str(item.get("gateway") or "manual"),
        amount=parse_bag(item.get("amountSet"), currency, presentment),
        status=str(item.get("status") or "SUCCESS"),
        test=bool(item.get("test") or False),
    )
