"""Tryton's answers to the daily reconciliation (``ports/erp.ErpReconcileReads``), one search per
batch.

Orders: ``sale.sale`` whose ``reference`` is among the batch's and that is not cancelled (also a
processed sale cancelled, ``translate.order_status``; two live for one reference are a duplicate),
with Tryton's own ``untaxed_amount`` and ``tax_amount``: the whole sale, shipping line and VAT
rounding line included. The item lines (one ``sale.line`` search for the batch) carry each line's
tax, worked out from its ``amount`` and its taxes' rates, for the tax checkpoint's per-rate buckets.

Credit notes: ``account.invoice`` of type ``out`` whose ``reference`` is the Shopify refund gid (as
``sales.create_credit_note`` posts them), posted or paid: its ``untaxed_amount`` and ``tax_amount``
negated (a credit note's totals are negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.connectors.erp.tryton.lookups import Lookups
from shopbridge.domain.money import Money
from shopbridge.domain.records import SalesOrderLine, SalesOrderStatus
from shopbridge.ports.erp import HeldCreditNote, HeldOrder

__all__ = ["credit_notes_held", "orders_held"]

BATCH = 500  # references one search asks for
_CENT = Decimal("0.01")
_SALE_FIELDS = (
    "reference",
    "number",
    "state",
    "shipment_state",
    "invoice_state",
    "untaxed_amount",
    "tax_amount",
)
_LINE_FIELDS = ("sale", "type", "product", "product.suffix_code", "quantity", "unit_price", "amount", "taxes")
_INVOICE_FIELDS = ("reference", "number", "untaxed_amount", "tax_amount")


def orders_held(look: Lookups, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
    held: dict[str, list[HeldOrder]] = {}
    wanted = list(dict.fromkeys(references))
    for start in range(0, len(wanted), BATCH):
        domain = [("reference", "in", wanted[start : start + BATCH]), ("state", "!=", "cancelled")]
        found = look.search_read("sale.sale", domain, _SALE_FIELDS, order=[("id", "ASC")])
        sales = [s for s in found if tr.order_status(s) != SalesOrderStatus.CANCELLED]
        goods = _goods_by_sale(look, [int(s["id"]) for s in sales])
        for sale in sales:
            order = _held_order(look, sale, goods.get(int(sale["id"]), []))
            held.setdefault(order.reference, []).append(order)
    return held


def _goods_by_sale(look: Lookups, sale_ids: list[int]) -> dict[int, list[SalesOrderLine]]:
    if not sale_ids:
        return {}
    rates = {tax_id: rate for rate, tax_id in look.taxes.items()}
    currency = look.currency[1]
    rows = look.search_read("sale.line", [("sale", "in", sale_ids)], _LINE_FIELDS, order=[("id", "ASC")])
    found: dict[int, list[SalesOrderLine]] = {}
    for row in rows:
        if row.get("type", "line") == "line" and row.get("product") and row.get("quantity"):
            line = tr.to_order_line(row, currency)
            tax = _line_tax(row, rates)
            found.setdefault(int(row["sale"]), []).append(
                SalesOrderLine(line.sku, line.quantity, line.unit_price, Money(tax, currency))
            )
    return found


def _line_tax(row: dict[str, Any], rates: dict[int, Decimal]) -> Decimal:
    """The line's tax at its taxes' rates (Tryton rounds per document by default: this is per line)."""
    amount = _decimal(row.get("amount"))
    return sum(
        ((amount * rates.get(int(t), Decimal(0))).quantize(_CENT) for t in row.get("taxes") or []), Decimal(0)
    )


def _held_order(look: Lookups, sale: dict[str, Any], goods: list[SalesOrderLine]) -> HeldOrder:
    currency = look.currency[1]
    net, tax = _decimal(sale.get("untaxed_amount")), _decimal(sale.get("tax_amount"))
    number = str(sale.get("number") or sale["id"])
    return HeldOrder(
        str(sale.get("reference") or ""), number, Money(net, currency), Money(tax, currency), tuple(goods)
    )


def credit_notes_held(look: Lookups, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
    wanted = list(dict.fromkeys(refund for refund, _order in refunds))
    currency = look.currency[1]
    held: dict[str, HeldCreditNote] = {}
    for start in range(0, len(wanted), BATCH):
        domain = [
            ("type", "=", "out"),
            ("reference", "in", wanted[start : start + BATCH]),
            ("state", "in", ["posted", "paid"]),
        ]
        for row in look.search_read("account.invoice", domain, _INVOICE_FIELDS):
            refund = str(row.get("reference") or "")
            net, tax = -_decimal(row.get("untaxed_amount")), -_decimal(row.get("tax_amount"))
            number = str(row.get("number") or row["id"])
            held[refund] = HeldCreditNote(refund, number, Money(net, currency), Money(tax, currency))
    return held


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))
