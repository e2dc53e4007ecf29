"""Prima's answers to the daily reconciliation (``ports/erp.ErpReconcileReads``): ``OrderStatus`` per
order.

Prima has no listing by customer reference (``WIRE.md``), so each order is one ``OrderStatus`` on
the order number derived from the Shopify name. That number is unique in Prima (a second order with
it is refused, E:21), so Prima cannot hold a duplicate of one Shopify order and none is reported.
The order's value: its lines at ``Quantity`` x ``Price`` net and ``ExtTaxVal`` tax, carriage being a
line on the carriage product where one is configured, else an ``OrderChargeData`` value, which Prima
keeps without tax (so Shopify's VAT on shipping is missing from the order, and shows). A credit: the
order's ``Credit`` element for the refund, with its ``NetValue`` and ``TaxValue`` (assumed names,
see ``sandbox/prima/WIRE.md``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from decimal import Decimal

from shopbridge.connectors.erp.prima import requests as rq
from shopbridge.connectors.erp.prima.errors import PrimaRejected
from shopbridge.domain.money import Money
from shopbridge.domain.records import SalesOrderStatus
from shopbridge.ports.erp import HeldCreditNote, HeldOrder

__all__ = ["credit_notes_held", "orders_held"]

Call = Callable[[str], ET.Element]


def _status(call: Call, reference: str) -> ET.Element | None:
    try:
        return call(rq.order_status(reference))
    except PrimaRejected:  # an unknown order number answers ERROR (see the adapter's find)
        return None


def orders_held(call: Call, references: Sequence[str], currency: str) -> dict[str, list[HeldOrder]]:
    held: dict[str, list[HeldOrder]] = {}
    for reference in dict.fromkeys(references):
        answer = _status(call, reference)
        order = rq.read_order(answer, reference, currency) if answer is not None else None
        if answer is None or order is None or order.status == SalesOrderStatus.CANCELLED:
            continue
        charges = sum(
            (rq.number(c.get("ChargeValue")) for c in answer.findall("Data/OrderChargeData")), Decimal(0)
        )
        net = sum((ln.unit_price.amount * ln.quantity for ln in order.lines), charges)
        tax = sum((ln.tax.amount for ln in order.lines), Decimal(0))
        number = order.erp_number or order.erp_id
        held[reference] = [
            HeldOrder(reference, number, Money(net, currency), Money(tax, currency), order.lines)
        ]
    return held


def credit_notes_held(
    call: Call, refunds: Sequence[tuple[str, str]], currency: str
) -> dict[str, HeldCreditNote]:
    wanted: dict[str, set[str]] = {}
    for refund, order in refunds:
        wanted.setdefault(order, set()).add(refund)
    held: dict[str, HeldCreditNote] = {}
    for order, refs in wanted.items():
        answer = _status(call, order)
        for node in answer.findall("Data/Credit") if answer is not None else []:
            ref = rq.attr(node, "CreditRef")
            if ref in refs:
                net, tax = rq.number(node.get("NetValue")), rq.number(node.get("TaxValue"))
                number = rq.attr(node, "CreditNumber")
                held[ref] = HeldCreditNote(ref, number, Money(net, currency), Money(tax, currency))
    return held
