"""A Shopify order as the ERP sales order it must become: exact money, lookups, cuts, fingerprint.

Exact to the penny: the ERP order's net, tax and gross (lines plus shipping) equal Shopify's. Zero
quantity lines (removed by an order edit: Shopify's ``currentQuantity`` is 0) are dropped while the
order has other lines; an order whose every line is at 0 is bad input (``zero_quantity``), since
the canonical order cannot tell an edit from a new order and there would be nothing to post.
Texts longer than the ERP's fields are cut and each cut is reported (never silent).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from shopbridge.domain.money import Money, total
from shopbridge.domain.order_money import Part, apportion_last, exact_parts, line_net, shipping_net
from shopbridge.domain.order_reference import erp_reference
from shopbridge.domain.order_rules import (
    OrderRules,
    OrderUnmappable,
    lookup_id,
    method_for,
    rate_text,
    tax_code_for,
)
from shopbridge.domain.records import (
    Address,
    BundleComponent,
    Order,
    OrderLine,
    SalesOrderLine,
    SalesOrderRequest,
    ShippingLine,
)

Kits = Mapping[str, tuple[BundleComponent, ...]]
_NO_KITS: Kits = MappingProxyType({})
_GIFT_CARD_GATEWAY = "gift_card"
_PAYMENT_KINDS = ("sale", "capture", "authorization")


@dataclass(frozen=True)
class Cut:
    """A text shortened to an ERP field limit; it goes on the order's trail."""

    field: str
    original: str
    kept: str


@dataclass(frozen=True)
class MappedOrder:
    """The ERP request, the texts cut to fit, and notes on defaults used and lookups that fell back."""

    request: SalesOrderRequest
    cuts: tuple[Cut, ...]
    notes: tuple[str, ...]


@dataclass
class _Trail:
    """Cuts and notes gathered while one order is mapped (local to one call: the rules stay pure)."""

    cuts: list[Cut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fit(self, name: str, text: str, limit: int) -> str:
        if not limit or len(text) <= limit:
            return text
        kept = text[:limit].rstrip()
        self.cuts.append(Cut(name, text, kept))
        return kept


def erp_skus(order: Order, rules: OrderRules, *, kits: Kits = _NO_KITS) -> tuple[str, ...]:
    """The SKUs the ERP must know for this order, after bundle expansion: sorted and unique."""
    bundles = {**kits, **rules.bundles}
    skus: set[str] = set()
    for line in _live_lines(order):
        if line.is_gift_card:
            skus.update((rules.gift_card_sku,) if rules.gift_card_sku else ())
        elif line.sku in bundles:
            skus.update(c.sku for c in bundles[line.sku])
        elif line.sku.strip():
            skus.add(line.sku)
    return tuple(sorted(skus))


def map_order(
    order: Order, rules: OrderRules, *, customer_account: str, kits: Kits = _NO_KITS
) -> MappedOrder:
    """The ERP sales order for ``order`` (see the module doc); raises :class:`OrderUnmappable`."""
    _check_order(order, rules)
    trail = _Trail()
    warehouse = _warehouse(order, rules, trail)
    bundles = {**kits, **rules.bundles}  # configuration wins over the ERP's kits
    lines = tuple(
        erp_line
        for line in _live_lines(order)
        for erp_line in _erp_lines(order, line, rules, bundles, warehouse, trail)
    )
    shipping = _shipping(order, rules, trail)
    request = SalesOrderRequest(
        reference=erp_reference(rules.reference_prefix, order.name),
        customer_account=customer_account,
        currency=order.currency,
        order_date=order.created_at.date(),
        lines=lines,
        shipping=shipping.net,
        shipping_tax=shipping.tax,
        shipping_tax_code=shipping.tax_code,
        shipping_method=shipping.method,
        payment_method=_payment_method(order, rules, trail),
        warehouse=warehouse,
        delivery_address=_address(order.shipping_address, rules, trail),
        shopify_id=order.shopify_id,
        note=_note(order),
    )
    return MappedOrder(request, tuple(trail.cuts), tuple(trail.notes))


def _live_lines(order: Order) -> tuple[OrderLine, ...]:
    return tuple(as_sold(line) for line in order.lines if line.quantity > 0)


def as_sold(line: OrderLine) -> OrderLine:
    """The line at its sold quantity: taxes and discounts charged on more units are prorated.

    Shopify keeps a line's taxes and discount allocations for the units first ordered when an edit
    removes some; what the remaining units carry is each amount times remaining / ordered, rounded
    half-up to the minor unit, as Shopify works out an edited order's current figures.
    """
    ordered = line.ordered_quantity or line.quantity
    if ordered == line.quantity:
        return line
    ratio = Decimal(line.quantity) / Decimal(ordered)
    return replace(
        line,
        ordered_quantity=line.quantity,
        tax_lines=tuple(replace(t, amount=(t.amount * ratio).rounded()) for t in line.tax_lines),
        discounts=tuple(replace(d, amount=(d.amount * ratio).rounded()) for d in line.discounts),
    )


def _check_order(order: Order, rules: OrderRules) -> None:
    limit = min(rules.limits.reference or 30, 30)  # 30: the longest reference any ERP we serve takes
    reference = erp_reference(rules.reference_prefix, order.name)
    if len(reference) > limit:
        raise OrderUnmappable(
            order.name,
            "reference_too_long",
            f"the ERP reference {reference!r} (order_reference_prefix and order name) is longer than the "
            f"ERP's {limit}-character reference",
            "shorten the order name prefix or suffix in Shopify's order settings, or the store's "
            "order_reference_prefix",
        )
    if rules.ledger_currencies is not None and order.currency not in rules.ledger_currencies:
        raise OrderUnmappable(
            order.name,
            "no_ledger_accounts",
            f"the order is in {order.currency}, which has no ledger accounts in the ERP",
            f"set up {order.currency} ledger accounts in the ERP, or sell in a currency it has",
        )
    _check_lines(order, rules)


def _check_lines(order: Order, rules: OrderRules) -> None:
    if not order.lines:
        raise OrderUnmappable(order.name, "no_lines", "the order has no lines", "add a line in Shopify")
    if not _live_lines(order):
        raise OrderUnmappable(
            order.name,
            "zero_quantity",
            "every line of the order has a quantity of 0, so there is nothing to post",
            "edit the order in Shopify to give a line a quantity, or cancel it",
        )
    for line in _live_lines(order):
        if line.is_gift_card and not rules.gift_card_sku:
            raise OrderUnmappable(
                order.name,
                "gift_card_not_configured",
                f"line {line.title or line.line_id} sells a gift card and no gift card item is configured",
                "set gift_card_sku to the ERP's non-stock gift card (liability) item",
            )
        if not line.is_gift_card and not line.sku.strip():
            raise OrderUnmappable(
                order.name,
                "empty_sku",
                f"line {line.title or line.line_id} has no SKU",
                f"give the variant {line.variant_id or line.title} a SKU in Shopify, then replay the order",
            )


def _warehouse(order: Order, rules: OrderRules, trail: _Trail) -> str:
    if not order.location_id:
        if rules.default_warehouse:
            trail.notes.append(f"no location on the order: default warehouse {rules.default_warehouse}")
        return rules.default_warehouse
    warehouse = lookup_id(rules.warehouses, order.location_id)
    if warehouse is not None:
        return warehouse
    if rules.warehouses:
        raise OrderUnmappable(
            order.name,
            "no_warehouse",
            f"the order's location {order.location_id} has no ERP warehouse",
            f"add location {order.location_id} with its warehouse to shops.locations",
        )
    return rules.default_warehouse


def _erp_lines(
    order: Order, line: OrderLine, rules: OrderRules, bundles: Kits, warehouse: str, trail: _Trail
) -> list[SalesOrderLine]:
    net, tax = line_net(line, order.taxes_included), line.tax_total
    tax_code = _tax_code(order, line, rules, trail)
    description = trail.fit(f"line {line.line_id} description", line.title, rules.limits.description)
    if line.is_gift_card:  # a liability item, never stock: no warehouse
        parts = [(rules.gift_card_sku, p) for p in exact_parts(net, tax, line.quantity)]
        return [_sales_line(sku, p, tax_code, description, "") for sku, p in parts]
    components = bundles.get(line.sku, ())
    if not components:
        parts = [(line.sku, p) for p in exact_parts(net, tax, line.quantity)]
    else:
        trail.notes.append(f"bundle {line.sku} expanded into {', '.join(c.sku for c in components)}")
        parts = _bundle_parts(line, components, net, tax)
    return [_sales_line(sku, p, tax_code, description, warehouse) for sku, p in parts]


def _bundle_parts(
    line: OrderLine, components: tuple[BundleComponent, ...], net: Money, tax: Money
) -> list[tuple[str, Part]]:
    """The bundle line's net and tax shared over its components by their per-bundle quantities."""
    return [
        (c.sku, part)
        for c, c_net, c_tax in bundle_shares(components, net, tax)
        for part in exact_parts(c_net, c_tax, line.quantity * c.quantity)
    ]


def bundle_shares(
    components: tuple[BundleComponent, ...], net: Money, tax: Money
) -> list[tuple[BundleComponent, Money, Money]]:
    """Each component's share of a bundle's ``net`` and ``tax``, by its per-bundle quantity.

    The one apportioning rule of bundles: the order mapping and the credit notes of refunded bundle
    lines both use it, so a refunded bundle credits its components exactly as they were charged.
    """
    weights = [c.quantity for c in components]
    nets, taxes = apportion_last(net, weights), apportion_last(tax, weights)
    return list(zip(components, nets, taxes, strict=True))


def _sales_line(sku: str, part: Part, tax_code: str, description: str, warehouse: str) -> SalesOrderLine:
    return SalesOrderLine(
        sku=sku,
        quantity=part.quantity,
        unit_price=part.unit_price,
        tax=part.tax,
        tax_code=tax_code,
        description=description,
        warehouse=warehouse,
    )


def _tax_code(order: Order, line: OrderLine | ShippingLine, rules: OrderRules, trail: _Trail) -> str:
    """Lookup by "<country>:<rate>", then "<rate>" (the combined rate of the line's tax lines)."""
    rate = sum((t.rate for t in line.tax_lines), start=Decimal(0))
    country = order.shipping_address.country_code if order.shipping_address else ""
    code = tax_code_for(rules, country, rate)
    if code is None:
        where = country or "no country"
        trail.notes.append(f"tax rate {rate_text(rate)} ({where}) has no tax code: the ERP's default")
        return ""
    return code


@dataclass(frozen=True)
class _Shipping:
    net: Money | None = None
    tax: Money | None = None
    method: str = ""
    tax_code: str = ""


def _shipping(order: Order, rules: OrderRules, trail: _Trail) -> _Shipping:
    if not order.shipping_lines:
        return _Shipping()
    net = total((shipping_net(s, order.taxes_included) for s in order.shipping_lines), order.currency)
    tax = total((t.amount for s in order.shipping_lines for t in s.tax_lines), order.currency)
    first = order.shipping_lines[0]
    method, fell_back = method_for(rules.shipping_methods, first.code, first.title)
    if fell_back:
        trail.notes.append(_fell_back("shipping", first.code or first.title, method))
    # The first line's rate stands for shipping: Shopify charges one rate on a store's shipping.
    return _Shipping(net, tax, method, _tax_code(order, first, rules, trail))


def _payment_method(order: Order, rules: OrderRules, trail: _Trail) -> str:
    """The gateway of the first successful payment; a gift card tender only when nothing else paid."""
    paid = [
        t.gateway
        for t in order.transactions
        if t.kind in _PAYMENT_KINDS and t.status == "success" and t.gateway
    ]
    tenders = [g for g in paid if g != _GIFT_CARD_GATEWAY] or paid
    gateway = tenders[0] if tenders else ""
    if _GIFT_CARD_GATEWAY in paid and gateway != _GIFT_CARD_GATEWAY:
        trail.notes.append("part paid by gift card (a tender, not a line)")
    method, fell_back = method_for(rules.payment_methods, gateway)
    if fell_back:
        trail.notes.append(_fell_back("payment gateway", gateway, method))
    return method


def _fell_back(what: str, key: str, method: str) -> str:
    used = f"the default {method}" if method else "the ERP's default"
    return f"{what} {key or 'none'!r} is not mapped: {used} used"


def _address(address: Address | None, rules: OrderRules, trail: _Trail) -> Address | None:
    if address is None:
        return None
    limits, fit = rules.limits, trail.fit
    return Address(
        line1=fit("delivery address line 1", address.line1, limits.address_line),
        line2=fit("delivery address line 2", address.line2, limits.address_line),
        city=fit("delivery city", address.city, limits.city),
        region=address.region,
        postcode=fit("delivery postcode", address.postcode, limits.postcode),
        country_code=address.country_code,
        company=fit("delivery company", address.company, limits.name),
        name=fit("delivery name", address.name, limits.name),
        phone=address.phone,
    )


def _note(order: Order) -> str:
    if order.presentment_currency and order.presentment_currency != order.currency:
        return f"Shopify order {order.name}; the buyer paid in {order.presentment_currency}"
    return ""


def order_fingerprint(request: SalesOrderRequest) -> str:
    """A stable short hash of what the ERP order must contain (lines, shipping, delivery address).

    Equal for equal content, whatever the order of lines; different when a SKU, quantity, unit
    price, tax, shipping amount or the delivery address changes. The flow compares it to decide
    whether an edit needs an amendment.
    """
    # Tax codes, descriptions and warehouses are left out: they follow configuration, and a
    # configuration change must not make every open order look edited.
    lines = sorted([ln.sku, ln.quantity, _amount(ln.unit_price), _amount(ln.tax)] for ln in request.lines)
    address = request.delivery_address
    content = {
        "lines": lines,
        "shipping": _amount(request.shipping),
        "shipping_tax": _amount(request.shipping_tax),
        "address": [] if address is None else list(astuple(address)),
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _amount(money: Money | None) -> str:
    return "" if money is None else str(money)
