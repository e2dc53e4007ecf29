"""A Shopify refund as the ERP credit note it must become: lines, shipping, adjustments, exact money.

Exact to the penny: the credit note's total (net plus tax) equals what Shopify refunded. Each refunded
line credits its SKU with Shopify's subtotal and Shopify's tax (never recomputed); a refunded bundle
line credits its components, shared exactly as the order mapping shares a bundle's money
(:func:`~shopbridge.domain.order_mapping.bundle_shares`). Refunded shipping carries Shopify's
shipping tax. Whatever Shopify refunded beyond the itemised parts (order adjustments, a refund
discrepancy, an "appeasement" refund with no lines at all) is the credit note's adjustment, with
Shopify's own adjustment tax, so the total always equals the refund's.

Restock: a unit comes back into saleable stock when Shopify's restock type says it came back
(``RETURN``) and the configuration calls the returns of its location saleable
(``saleable_return_locations``). ``CANCEL`` units never left the warehouse, so nothing comes back.

A refund of a SKU the ERP order does not hold (or of more units than it holds) is refused with
:class:`RefundUnmappable`: a credit against a line the ERP never charged is a person's decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from shopbridge.domain.money import Money, total
from shopbridge.domain.order_mapping import bundle_shares
from shopbridge.domain.order_reference import erp_reference
from shopbridge.domain.records import (
    BundleComponent,
    CreditNote,
    CreditNoteLine,
    Refund,
    RefundLine,
    RestockType,
    SalesOrderLine,
)

__all__ = [
    "MappedRefund",
    "RefundRules",
    "RefundUnmappable",
    "Restock",
    "map_refund",
    "numeric_id",
    "part_of_cancel",
    "restock_rows",
]

_COMES_BACK = (RestockType.RETURN,)


class RefundUnmappable(Exception):
    """The refund cannot become a credit note as it is; ``reason`` and ``fix`` in plain words."""

    def __init__(self, refund_id: str, code: str, reason: str, fix: str) -> None:
        super().__init__(f"refund {refund_id}: {reason}. Fix: {fix}")
        self.refund_id = refund_id
        self.code = code
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True)
class RefundRules:
    """What the mapping needs of the configuration, for one shop."""

    bundles: Mapping[str, tuple[BundleComponent, ...]] = field(default_factory=dict)
    saleable_return_locations: frozenset[str] = frozenset()  # numeric ids or GIDs
    warehouses: Mapping[str, str] = field(default_factory=dict)  # Shopify location -> ERP warehouse
    default_warehouse: str = ""  # where units go when neither the location nor the ERP order says
    order_reference_prefix: str = ""  # the store's, before the order name in the ERP reference


@dataclass(frozen=True)
class Restock:
    """Units that come back into saleable stock: which SKU, how many, into which ERP warehouse."""

    sku: str
    quantity: int
    warehouse: str


@dataclass(frozen=True)
class MappedRefund:
    note: CreditNote
    restocks: tuple[Restock, ...]

    @property
    def total(self) -> Money:
        return self.note.total


def numeric_id(gid: str) -> str:
    """The numeric tail of a GID (``gid://shopify/Location/7`` -> ``7``); a number stays itself."""
    return gid.rsplit("/", 1)[-1]


def part_of_cancel(refund: Refund, cancelled_at: datetime | None) -> bool:
    """Whether the refund belongs to the order's cancellation (made with or after it).

    Such a refund credits nothing: the ERP order is cancelled instead (or operations are told to
    cancel it), and a credit note on top would reverse the sale twice.
    """
    return cancelled_at is not None and refund.created_at >= cancelled_at


def refund_total(refund: Refund) -> Money:
    """What Shopify refunded: its ``totalRefundedSet``, else the sum of its parts."""
    if refund.total is not None:
        return refund.total
    return (
        _itemised(refund)
        + total(refund.adjustments, refund.currency)
        + _zero_or(refund.adjustments_tax, refund)
    )


def map_refund(
    refund: Refund,
    order_lines: Sequence[SalesOrderLine],
    rules: RefundRules,
    *,
    issued_on: date | None = None,
) -> MappedRefund:
    """The credit note of ``refund`` against the ERP order holding ``order_lines``."""
    lines = tuple(ln for refund_line in refund.lines for ln in _note_lines(refund, refund_line, rules))
    _check_against_order(refund, lines, order_lines)
    lines = _where_sold(lines, order_lines, rules.default_warehouse)
    shipping_net, shipping_tax = _shipping(refund)
    adjustment_tax = _zero_or(refund.adjustments_tax, refund)
    itemised = total((ln.net + ln.tax for ln in lines), refund.currency) + shipping_net + shipping_tax
    adjustment = refund_total(refund) - itemised - adjustment_tax
    note = CreditNote(
        refund_reference=refund.shopify_id,
        order_reference=erp_reference(rules.order_reference_prefix, refund.order_name),
        currency=refund.currency,
        lines=lines,
        shipping=None if shipping_net.is_zero() and shipping_tax.is_zero() else shipping_net,
        shipping_tax=None if shipping_tax.is_zero() else shipping_tax,
        adjustment=None if adjustment.is_zero() else adjustment,
        adjustment_tax=None if adjustment_tax.is_zero() else adjustment_tax,
        issued_on=issued_on or refund.created_at.date(),
        reason=refund.note,
    )
    restocks = tuple(Restock(ln.sku, ln.quantity, ln.warehouse) for ln in lines if ln.restock)
    return MappedRefund(note, restocks)


def restock_rows(restocks: Sequence[Restock]) -> list[dict[str, object]]:
    """The warehouse's task, one row per SKU and warehouse (units added up)."""
    merged: dict[tuple[str, str], int] = {}
    for item in restocks:
        merged[(item.sku, item.warehouse)] = merged.get((item.sku, item.warehouse), 0) + item.quantity
    return [{"sku": sku, "quantity": qty, "warehouse": wh} for (sku, wh), qty in sorted(merged.items())]


# -- the parts ---------------------------------------------------------------------------------


def _note_lines(refund: Refund, line: RefundLine, rules: RefundRules) -> list[CreditNoteLine]:
    if line.quantity <= 0:
        return []
    net = line.subtotal - line.tax if refund.taxes_included else line.subtotal
    restock, warehouse = _restock(line, rules)
    components = rules.bundles.get(line.sku, ())
    if not components:
        return [CreditNoteLine(line.sku, line.quantity, net, line.tax, restock, warehouse)]
    return [
        CreditNoteLine(c.sku, line.quantity * c.quantity, c_net, c_tax, restock, warehouse)
        for c, c_net, c_tax in bundle_shares(components, net, line.tax)
    ]


def _restock(line: RefundLine, rules: RefundRules) -> tuple[bool, str]:
    """Whether the line's units come back into saleable stock, and the ERP warehouse they go to."""
    location = numeric_id(line.location_id) if line.location_id else ""
    warehouse = _warehouse(location, rules)
    if line.restock_type not in _COMES_BACK or not location:
        return False, warehouse
    saleable = {numeric_id(loc) for loc in rules.saleable_return_locations}
    return location in saleable, warehouse


def _warehouse(location: str, rules: RefundRules) -> str:
    """The ERP warehouse of a Shopify location; "" when unmapped (then: where the ERP sold it)."""
    for key, warehouse in rules.warehouses.items():
        if location and numeric_id(key) == location:
            return warehouse
    return ""


def _where_sold(
    lines: tuple[CreditNoteLine, ...], order_lines: Sequence[SalesOrderLine], default: str
) -> tuple[CreditNoteLine, ...]:
    """Lines whose location has no warehouse go back where the ERP order took the SKU from."""
    sold = {ln.sku: ln.warehouse for ln in order_lines if ln.warehouse}
    return tuple(ln if ln.warehouse else replace(ln, warehouse=sold.get(ln.sku, default)) for ln in lines)


def _shipping(refund: Refund) -> tuple[Money, Money]:
    """Refunded shipping net of tax, and Shopify's tax on it (its subtotal holds the tax if included)."""
    tax = _zero_or(refund.shipping_tax, refund)
    gross = _zero_or(refund.shipping, refund)
    return (gross - tax if refund.taxes_included else gross), tax


def _itemised(refund: Refund) -> Money:
    goods = total((ln.subtotal for ln in refund.lines), refund.currency)
    shipping = _zero_or(refund.shipping, refund)
    return goods + refund.tax_total + shipping + _zero_or(refund.shipping_tax, refund)


def _zero_or(money: Money | None, refund: Refund) -> Money:
    return money if money is not None else Money.zero(refund.currency)


def _check_against_order(
    refund: Refund, lines: Sequence[CreditNoteLine], order_lines: Sequence[SalesOrderLine]
) -> None:
    """Every credited SKU is on the ERP order, for no more units than the order holds."""
    held: dict[str, int] = {}
    for erp_line in order_lines:
        held[erp_line.sku] = held.get(erp_line.sku, 0) + erp_line.quantity
    wanted: dict[str, int] = {}
    for line in lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    missing = sorted(sku for sku in wanted if sku not in held)
    if missing:
        raise RefundUnmappable(
            refund.shopify_id,
            "line_not_on_order",
            f"refund of {', '.join(missing)} on order {refund.order_name}, which the ERP order does not hold",
            f"credit it by hand in the ERP (or add the line to {refund.order_name}), then resolve this",
        )
    over = sorted(sku for sku, qty in wanted.items() if qty > held[sku])
    if over:
        detail = ", ".join(f"{sku} {wanted[sku]} > {held[sku]}" for sku in over)
        raise RefundUnmappable(
            refund.shopify_id,
            "more_than_ordered",
            f"refund of more units than the ERP order {refund.order_name} holds ({detail})",
            "credit it by hand in the ERP, then resolve this problem",
        )
