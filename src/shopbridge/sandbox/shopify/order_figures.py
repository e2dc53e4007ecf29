"""Figures derived from a stored order record: totals, payments, and the display statuses.

Nothing here is stored: totals are recomputed from the lines every time they are read, so a
refund, an edit or a fulfilment can never leave a stale total behind.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .ordermath import Bag, PricedLine, PricedShipping, TaxLine, Totals, bag_sum, scale_line, totals_of

Order = dict[str, Any]


def zero_of(order: Order) -> Bag:
    return Bag.zero(order["currency"], order["presentment_currency"])


def current_quantity(line: dict[str, Any]) -> int:
    """Units still on the order: bought, less refunded and removed by edits."""
    return int(line["quantity"]) - int(line["refunded"]) - int(line["removed"])


def priced_line(line: dict[str, Any]) -> PricedLine:
    return PricedLine(line["unit"].scale(line["quantity"]), line["discount"], tuple(line["tax_lines"]))


def priced_shipping(ship: dict[str, Any]) -> PricedShipping:
    return PricedShipping(ship["price"], ship["discount"], tuple(ship["tax_lines"]))


def original_totals(order: Order) -> Totals:
    lines = [priced_line(line) for line in order["line_items"]]
    ships = [priced_shipping(s) for s in order["shipping_lines"]]
    return totals_of(lines, ships, zero_of(order), order["taxes_included"])


def current_totals(order: Order) -> Totals:
    """Totals with current quantities and what is left of shipping after shipping refunds."""
    lines = [
        scale_line(priced_line(line), line["quantity"], current_quantity(line))
        for line in order["line_items"]
    ]
    ships = [_current_shipping(order, s) for s in order["shipping_lines"]]
    return totals_of(lines, ships, zero_of(order), order["taxes_included"])


def sold_quantity(line: dict[str, Any]) -> int:
    """Units sold: bought, less removed by edits (refunded units were sold, then credited)."""
    return int(line["quantity"]) - int(line["removed"])


def sold_totals(order: Order) -> Totals:
    """Totals as sold: edits applied, refunds not (a sales order's figures; refunds credit them)."""
    lines = [
        scale_line(priced_line(line), line["quantity"], sold_quantity(line)) for line in order["line_items"]
    ]
    ships = [priced_shipping(s) for s in order["shipping_lines"]]
    return totals_of(lines, ships, zero_of(order), order["taxes_included"])


def _current_shipping(order: Order, ship: dict[str, Any]) -> PricedShipping:
    refunded: Bag = ship.get("refunded") or zero_of(order)
    if refunded.is_zero():
        return priced_shipping(ship)
    base: Bag = ship["price"] - ship["discount"]
    left = base - refunded
    zero = zero_of(order)
    # The tax left on shipping shrinks with it (a full shipping refund takes all of it back).
    share = left.shop / base.shop if base.shop else Decimal(0)
    taxes = tuple(TaxLine(t.title, t.rate, t.price.scale(share).rounded()) for t in ship["tax_lines"])
    return PricedShipping(left, zero, taxes)


def _sum_kind(order: Order, *kinds: str) -> Bag:
    return bag_sum(
        (t["amount"] for t in order["transactions"] if t["kind"] in kinds and t["status"] == "SUCCESS"),
        zero_of(order),
    )


def received(order: Order) -> Bag:
    """Money taken from the customer before refunds (Shopify's totalReceivedSet)."""
    return _sum_kind(order, "SALE", "CAPTURE")


def refunded(order: Order) -> Bag:
    return _sum_kind(order, "REFUND")


def net_payment(order: Order) -> Bag:
    return received(order) - refunded(order)


def capturable(order: Order) -> Bag:
    """Authorised and neither captured nor voided yet."""
    open_auth = _sum_kind(order, "AUTHORIZATION") - _sum_kind(order, "CAPTURE") - _sum_kind(order, "VOID")
    if open_auth.shop <= 0:
        return zero_of(order)
    return open_auth


def outstanding(order: Order) -> Bag:
    """What the customer still owes: the current total less net payments and open authorisations."""
    return current_totals(order).total - net_payment(order) - capturable(order)


def refunded_shipping(order: Order) -> Bag:
    return bag_sum((s.get("refunded") or zero_of(order) for s in order["shipping_lines"]), zero_of(order))


def financial_status(order: Order) -> str | None:
    """Shopify's displayFinancialStatus; ``None`` for an order with no payment and no stated status
    (the recorded orderCreate matrix answers null there)."""
    got, back = received(order), refunded(order)
    if order.get("voided"):
        return "VOIDED"
    if back.shop > 0:
        return "REFUNDED" if back.shop >= got.shop else "PARTIALLY_REFUNDED"
    if got.shop > 0:
        return "PAID" if got.shop >= original_totals(order).total.shop else "PARTIALLY_PAID"
    if capturable(order).shop > 0:
        return "AUTHORIZED"
    stated: str | None = order.get("financial_status")
    return stated


def fulfillment_status(order: Order) -> str:
    """Shopify's displayFulfillmentStatus, from the shippable lines still on the order."""
    shippable = [line for line in order["line_items"] if line["requires_shipping"]]
    done = sum(int(line["fulfilled"]) for line in shippable)
    left = sum(max(0, current_quantity(line) - int(line["fulfilled"])) for line in shippable)
    if done and not left:
        return "FULFILLED"
    if done:
        return "PARTIALLY_FULFILLED"
    return "UNFULFILLED"


def refundable_quantity(line: dict[str, Any]) -> int:
    return current_quantity(line)


def order_tax_lines(order: dict[str, Any]) -> list[TaxLine]:
    """Order-level tax lines: the line and shipping taxes summed per (title, rate)."""
    merged: dict[tuple[str, Any], Bag] = {}
    for holder in [*order["line_items"], *order["shipping_lines"]]:
        for tax in holder["tax_lines"]:
            key = (tax.title, tax.rate)
            merged[key] = merged[key] + tax.price if key in merged else tax.price
    return [TaxLine(title, rate, price) for (title, rate), price in merged.items()]
