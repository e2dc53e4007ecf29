"""Sage 200's answers to the daily reconciliation (``ports/erp.ErpReconcileReads``), a batch per GET.

Orders: ``/sop_orders`` filtered on ``customer_document_no`` (an ``or`` of a few references, with
their lines), every live one: two for one reference are a duplicate. The whole order's
``total_net_value`` and ``total_tax_value`` (goods, the carriage charge line and any VAT rounding
line) are compared, so shipping counts. Credit notes: ``/sales_posted_transactions`` by our short
refund reference, matched on the order name in ``second_reference``; the gross and the VAT as posted.
"""

from __future__ import annotations

from collections.abc import Sequence

from shopbridge.connectors.erp.sage200 import translate as tr
from shopbridge.connectors.erp.sage200.client import JsonObject, Sage200Client, odata_quote
from shopbridge.domain.money import Money
from shopbridge.ports.erp import HeldCreditNote, HeldOrder

__all__ = ["credit_notes_held", "orders_held"]

PER_QUERY = 20  # references one GET asks for (an ``or`` of them: a short URL)
_CANCELLED = "full"


def orders_held(client: Sage200Client, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
    held: dict[str, list[HeldOrder]] = {}
    for chunk in _chunks(list(dict.fromkeys(references))):
        query = {"$filter": _any_of("customer_document_no", chunk), "$expand": "lines"}
        for row in client.get_all("/sop_orders", query):
            if str(row.get("cancelled_status", "")).lower() != _CANCELLED:
                order = _held_order(row)
                held.setdefault(order.reference, []).append(order)
    return held


def _held_order(row: JsonObject) -> HeldOrder:
    goods = tr.sales_order_from_sage(row, "").lines
    net = Money(tr.dec(row.get("total_net_value")), tr.BASE_CURRENCY)
    tax = Money(tr.dec(row.get("total_tax_value")), tr.BASE_CURRENCY)
    number = str(row.get("document_no") or row.get("id"))
    return HeldOrder(str(row.get("customer_document_no", "")), number, net, tax, goods)


def credit_notes_held(client: Sage200Client, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
    by_short = {tr.short_reference(refund): (refund, order) for refund, order in refunds}
    held: dict[str, HeldCreditNote] = {}
    for chunk in _chunks(list(by_short)):
        for row in client.get_all("/sales_posted_transactions", {"$filter": _any_of("reference", chunk)}):
            refund, order = by_short.get(str(row.get("reference", "")), ("", ""))
            if refund and row.get("second_reference") == order[: tr.REFERENCE_MAX]:
                held[refund] = _held_note(refund, row)
    return held


def _held_note(refund: str, row: JsonObject) -> HeldCreditNote:
    gross, tax = tr.dec(row.get("document_gross_value")), tr.dec(row.get("document_tax_value"))
    number = str(row.get("urn", row.get("id")))
    return HeldCreditNote(refund, number, Money(gross - tax, tr.BASE_CURRENCY), Money(tax, tr.BASE_CURRENCY))


def _any_of(name: str, values: Sequence[str]) -> str:
    return " or ".join(f"{name} eq {odata_quote(value)}" for value in values)


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[n : n + PER_QUERY] for n in range(0, len(values), PER_QUERY)]
