"""Placing an order in the shop state: specs in, a stored order record out.

Both ways in (the ``orderCreate`` mutation and the checkout-like control route) build an
:class:`OrderSpec`; :func:`create_order` prices it with :mod:`.ordermath`, stores it with its
fulfilment order, commits stock and says which webhook topics to emit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .order_figures import financial_status
from .order_stock import move
from .ordermath import Bag, Discount, LineInput, ShippingInput, TaxLine, TaxRule, price_order
from .state import ShopState


@dataclass(frozen=True)
class LineSpec:
    title: str
    quantity: int
    unit: Bag
    sku: str | None = None
    variant_id: str | None = None
    product_id: str | None = None
    inventory_item_id: str | None = None
    variant_title: str | None = None
    vendor: str | None = None
    taxable: bool = True
    requires_shipping: bool = True
    tax_lines: tuple[TaxLine, ...] | None = None
    custom_attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ShippingSpec:
    title: str
    price: Bag
    code: str | None = None
    source: str | None = "shopify"
    tax_lines: tuple[TaxLine, ...] | None = None


@dataclass(frozen=True)
class PaymentSpec:
    kind: str  # SALE | AUTHORIZATION
    gateway: str
    amount: Bag | None = None  # None: the order total
    status: str = "SUCCESS"
    test: bool = False


@dataclass
class OrderSpec:
    currency: str
    presentment_currency: str
    lines: list[LineSpec]
    shipping: list[ShippingSpec] = field(default_factory=list)
    discount: Discount | None = None
    tax_rule: TaxRule | None = None
    taxes_included: bool = False
    payments: list[PaymentSpec] = field(default_factory=list)
    financial_status: str | None = None
    email: str | None = None
    phone: str | None = None
    customer_id: str | None = None
    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    test: bool = False
    location_id: str | None = None
    source_name: str = "web"
    commit_inventory: bool = True


def create_order(state: ShopState, spec: OrderSpec) -> dict[str, Any]:
    """Store a priced order (call under ``state.lock``) and return its record."""
    priced = price_order(
        [LineInput(s.quantity, s.unit, s.taxable, s.tax_lines) for s in spec.lines],
        [ShippingInput(s.price, s.tax_lines) for s in spec.shipping],
        Bag.zero(spec.currency, spec.presentment_currency),
        discount=spec.discount,
        tax_rule=spec.tax_rule,
        taxes_included=spec.taxes_included,
    )
    order = _order_record(state, spec)
    order["line_items"] = [
        _line_record(state, s, p.discount, p.tax_lines) for s, p in zip(spec.lines, priced.lines, strict=True)
    ]
    order["shipping_lines"] = [
        _shipping_record(state, s, p.discount, p.tax_lines)
        for s, p in zip(spec.shipping, priced.shipping, strict=True)
    ]
    total = priced.totals.total
    order["transactions"] = [
        new_transaction(state, p.kind, p.gateway, p.amount or total, test=p.test, status=p.status)
        for p in spec.payments
    ]
    order["total_price"] = str(total.shop)
    state.orders[order["id"]] = order
    open_fulfillment_order(state, order, order["line_items"])
    if spec.commit_inventory:
        commit_stock(state, order, order["line_items"])
    return order


def _order_record(state: ShopState, spec: OrderSpec) -> dict[str, Any]:
    number = state.take_order_number()
    now = state.now_iso()
    return {
        "id": state.new_gid("Order"),
        "name": f"#{number}",
        "number": number,
        "created_at": now,
        "updated_at": now,
        "processed_at": now,
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "voided": False,
        "currency": spec.currency,
        "presentment_currency": spec.presentment_currency,
        "taxes_included": spec.taxes_included,
        "financial_status": spec.financial_status,
        "email": spec.email,
        "phone": spec.phone,
        "customer_id": spec.customer_id,
        "shipping_address": spec.shipping_address,
        "billing_address": spec.billing_address,
        "tags": list(spec.tags),
        "note": spec.note,
        "test": spec.test,
        "source_name": spec.source_name,
        "discount_codes": [spec.discount.code] if spec.discount else [],
        "discount": spec.discount,
        "location_id": spec.location_id or first_location(state),
        "refund_ids": [],
        "fulfillment_ids": [],
        "fulfillment_order_ids": [],
        "edited": False,
    }


def _line_record(
    state: ShopState, spec: LineSpec, discount: Bag, taxes: tuple[TaxLine, ...]
) -> dict[str, Any]:
    return {
        "id": state.new_gid("LineItem"),
        "title": spec.title,
        "sku": spec.sku,
        "variant_id": spec.variant_id,
        "product_id": spec.product_id,
        "inventory_item_id": spec.inventory_item_id,
        "variant_title": spec.variant_title,
        "vendor": spec.vendor,
        "quantity": spec.quantity,
        "unit": spec.unit,
        "taxable": spec.taxable,
        "requires_shipping": spec.requires_shipping,
        "tax_lines": list(taxes),
        "discount": discount,
        "refunded": 0,
        "removed": 0,
        "fulfilled": 0,
        "custom_attributes": list(spec.custom_attributes),
    }


def _shipping_record(
    state: ShopState, spec: ShippingSpec, discount: Bag, taxes: tuple[TaxLine, ...]
) -> dict[str, Any]:
    return {
        "id": state.new_gid("ShippingLine"),
        "title": spec.title,
        "code": spec.code,
        "source": spec.source,
        "price": spec.price,
        "discount": discount,
        "tax_lines": list(taxes),
        "refunded": None,
    }


def new_transaction(
    state: ShopState,
    kind: str,
    gateway: str,
    amount: Bag,
    *,
    test: bool = False,
    status: str = "SUCCESS",
    parent_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": state.new_gid("OrderTransaction"),
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "amount": amount,
        "test": test,
        "parent_id": parent_id,
        "created_at": state.now_iso(),
    }


def first_location(state: ShopState) -> str | None:
    return next(iter(state.locations), None)


def open_fulfillment_order(state: ShopState, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Shopify routes the shippable lines to the order's location as one OPEN fulfilment order."""
    shippable = [line for line in lines if line["requires_shipping"]]
    if not shippable:
        return
    fo_id = state.new_gid("FulfillmentOrder")
    state.fulfillment_orders[fo_id] = {
        "id": fo_id,
        "order_id": order["id"],
        "location_id": order["location_id"],
        "status": "OPEN",
        "request_status": "UNSUBMITTED",
        "created_at": state.now_iso(),
        "line_items": [_fo_line(state, line) for line in shippable],
    }
    order["fulfillment_order_ids"].append(fo_id)


def _fo_line(state: ShopState, line: dict[str, Any]) -> dict[str, Any]:
    qty = int(line["quantity"])
    return {
        "id": state.new_gid("FulfillmentOrderLineItem"),
        "line_item_id": line["id"],
        "total_quantity": qty,
        "remaining_quantity": qty,
    }


def commit_stock(state: ShopState, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Placing an order moves the units from available to committed at the order's location."""
    for line in lines:
        move(state, line, order["location_id"], int(line["quantity"]), {"available": -1, "committed": 1})


def release_stock(
    state: ShopState, order: dict[str, Any], line: dict[str, Any], quantity: int, location_id: str | None
) -> bool:
    """Unfulfilled units going back: committed -> available (at the order's location)."""
    return move(state, line, location_id or order["location_id"], quantity, {"committed": -1, "available": 1})


def return_stock(state: ShopState, line: dict[str, Any], quantity: int, location_id: str | None) -> bool:
    """Shipped units coming back: available grows at the return location."""
    return move(state, line, location_id, quantity, {"available": 1})


def ship_stock(state: ShopState, line: dict[str, Any], location_id: str | None, quantity: int) -> bool:
    """Shipped units leave the building: committed goes down (and on_hand with it)."""
    return move(state, line, location_id, quantity, {"committed": -1})


def webhook_topics_for_new_order(order: dict[str, Any]) -> list[str]:
    topics = ["orders/create"]
    if financial_status(order) == "PAID":
        topics.append("orders/paid")
    return topics
