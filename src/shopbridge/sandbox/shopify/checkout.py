"""Placing an order as a checkout would: lines by variant, a discount code, shipping, tax at a rate,
and a payment (paid, authorised or pending). Used by the control route and the scenario driver.

The request (JSON, all keys optional except ``lines``)::

    {"customer_id": "gid://shopify/Customer/1" | "customer": {"email", "firstName", "lastName"},
     "email": "...", "lines": [{"variant_id": "gid://..." | "sku": "...", "quantity": 2}],
     "discount_code": "SAVE10", "shipping": {"title": "Standard", "price": "4.99", "code": "STD"},
     "tax": {"title": "VAT", "rate": "0.2"}, "taxes_included": true,
     "gateway": "shopify_payments", "payment": "paid" | "authorized" | "pending",
     "location_id": "gid://shopify/Location/1", "currency": "GBP", "tags": [], "note": "..."}
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .order_events import Event, order_events, publish
from .order_inputs import inventory_item_of
from .order_model import (
    LineSpec,
    OrderSpec,
    PaymentSpec,
    ShippingSpec,
    create_order,
    webhook_topics_for_new_order,
)
from .order_stock import level_events, snapshot
from .ordermath import Bag, Discount, TaxRule
from .state import ShopState


class CheckoutError(ValueError):
    """The checkout request names something the shop does not have (the message says what)."""


def _dec(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise CheckoutError(f"{what} is not a decimal amount: {value!r}") from exc


def place_order(state: ShopState, request: dict[str, Any]) -> dict[str, Any]:
    """Place the order, publish ``orders/create`` (and ``orders/paid``), return the stored record."""
    events: list[Event]
    if request.get("customer") and not request.get("customer_id"):
        # Created first, outside the order's lock: creating a customer publishes customers/create.
        request = {**request, "customer_id": new_customer(state, request["customer"])}
    with state.lock:
        spec = checkout_spec(state, request)
        before = snapshot(state, spec.lines)
        order = create_order(state, spec)
        events = order_events(state, order, webhook_topics_for_new_order(order)) + level_events(state, before)
    publish(state, events)
    return order


def checkout_spec(state: ShopState, request: dict[str, Any]) -> OrderSpec:
    currency = str(request.get("currency") or state.currency)
    lines = [checkout_line(state, item, currency) for item in request.get("lines") or []]
    if not lines:
        raise CheckoutError("a checkout needs at least one line: give 'lines': [{'variant_id', 'quantity'}]")
    tax = request.get("tax")
    return OrderSpec(
        currency=currency,
        presentment_currency=currency,
        lines=lines,
        shipping=_shipping(request.get("shipping"), currency),
        discount=_discount(state, request.get("discount_code")),
        tax_rule=TaxRule(str(tax.get("title") or "Tax"), _dec(tax["rate"], "tax rate")) if tax else None,
        taxes_included=bool(request.get("taxes_included", False)),
        payments=_payments(request),
        financial_status="PENDING" if request.get("payment", "paid") == "pending" else None,
        email=request.get("email") or _customer_email(state, request),
        customer_id=_customer_id(state, request),
        shipping_address=request.get("shipping_address"),
        billing_address=request.get("billing_address") or request.get("shipping_address"),
        tags=list(request.get("tags") or []),
        note=request.get("note"),
        location_id=request.get("location_id"),
        source_name="web",
    )


def _find_variant(state: ShopState, item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if variant_id := item.get("variant_id"):
        if variant_id in state.variants:
            return str(variant_id), state.variants[variant_id]
        raise CheckoutError(f"no variant {variant_id} in the sandbox shop: seed it first")
    sku = item.get("sku")
    for gid, variant in state.variants.items():
        if sku and variant.get("sku") == sku:
            return gid, variant
    raise CheckoutError(f"no variant with SKU {sku!r} in the sandbox shop: seed it first")


def checkout_line(state: ShopState, item: dict[str, Any], currency: str) -> LineSpec:
    gid, variant = _find_variant(state, item)
    price = variant.get("price") or "0"
    amount = _dec(price.get("amount", 0) if isinstance(price, dict) else price, "variant price")
    product = state.products.get(str(variant.get("product_id") or variant.get("productId") or ""), {})
    return LineSpec(
        title=str(product.get("title") or variant.get("title") or variant.get("sku") or "Item"),
        quantity=int(item.get("quantity") or 1),
        unit=Bag.single(amount, currency),
        sku=variant.get("sku"),
        variant_id=gid,
        product_id=product.get("id"),
        inventory_item_id=inventory_item_of(variant),
        variant_title=variant.get("title"),
        taxable=bool(variant.get("taxable", True)),
        requires_shipping=True,
    )


def _shipping(data: dict[str, Any] | None, currency: str) -> list[ShippingSpec]:
    if not data:
        return []
    price = Bag.single(_dec(data.get("price", "0"), "shipping price"), currency)
    return [
        ShippingSpec(str(data.get("title") or "Shipping"), price, code=data.get("code"), source="shopify")
    ]


def _discount(state: ShopState, code: Any) -> Discount | None:
    if not code:
        return None
    if isinstance(code, dict):
        return Discount(str(code["code"]), str(code["kind"]), _dec(code["value"], "discount value"))
    known = state.discount_codes.get(str(code))
    if known is None:
        raise CheckoutError(f"discount code {code!r} is not known to the sandbox shop")
    return Discount(str(code), str(known["kind"]), _dec(known["value"], "discount value"))


def _payments(request: dict[str, Any]) -> list[PaymentSpec]:
    gateway = str(request.get("gateway") or "shopify_payments")
    mode = request.get("payment", "paid")
    if mode == "paid":
        return [PaymentSpec("SALE", gateway)]
    if mode == "authorized":
        return [PaymentSpec("AUTHORIZATION", gateway)]
    if mode == "pending":
        return []
    raise CheckoutError(f"payment must be 'paid', 'authorized' or 'pending', not {mode!r}")


def _customer_id(state: ShopState, request: dict[str, Any]) -> str | None:
    if customer_id := request.get("customer_id"):
        if customer_id not in state.customers:
            raise CheckoutError(f"no customer {customer_id} in the sandbox shop")
        return str(customer_id)
    if data := request.get("customer"):
        return new_customer(state, data)
    return None


def _customer_email(state: ShopState, request: dict[str, Any]) -> str | None:
    customer_id = request.get("customer_id")
    if customer_id and customer_id in state.customers:
        email = state.customers[customer_id].get("email")
        return str(email) if email else None
    data = request.get("customer") or {}
    return data.get("email")


def new_customer(state: ShopState, data: dict[str, Any]) -> str:
    """A customer created by the checkout (a shopper who gives a name and an email)."""
    from .resolvers.customers import add_customer, normalise_email

    fields = {
        "email": normalise_email(data.get("email")),
        "first_name": data.get("firstName"),
        "last_name": data.get("lastName"),
        "phone": data.get("phone"),
    }
    return str(add_customer(state, {k: v for k, v in fields.items() if v is not None})["id"])
