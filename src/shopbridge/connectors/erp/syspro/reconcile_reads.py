"""SYSPRO's answers to the daily reconciliation (``ports/erp.ErpReconcileReads``) over e.net queries.

Which documents: COMFND on ``SorMaster`` by ``CustomerPoNumber``, a batch of references joined by
``Or`` (the same lookup the adapter makes before every create): the Shopify order name for orders,
our refund key (``xmlcredit.credit_reference``) for credit notes, which SYSPRO keeps as sales-order
documents. Cancelled orders (``OrderStatus`` ``\\``) are left out; two live orders for one name are
a duplicate.

Their value: SORQRY per document, with stocked, non-stocked and freight lines (``IncludeNonStockedLines``
is among SORQRY's options: R, and the query classes of Z). A line's value is ``MOrderQty`` x
``MPrice`` (a non-stocked line, such as our ``SHIPPING`` credit line, is a ``Merchandise`` line
too), a freight line's ``NMscChargeValue``. SORQRY's lines carry no tax (Z's ``SORQRYOUT``:
``Merchandise`` has ``OrderLineValue`` and prices, no tax element).

Their tax: SORQOD, the order acknowledgement query, per order (Z's ``SORQOD``/``SORQODOUT``: the
order's document with, per ``Merchandise`` line, ``LineSalesTax``, ``MTaxCode`` and ``LineTaxPerc``,
and ``Totals`` with ``TotalSalesTax``, ``TotalFreightTax`` and ``TotalMiscChgTax``): each goods
line's tax is matched to SORQRY's line by ``SalesOrderLine``, and the order's tax is the three
totals' sum. Asked for every document whatever its print status (``IgnorePrintStatus`` Y), as a
reprint, non-stocked lines included. Where SORQOD is not licensed (e.net exception 100000) the read
gives net only (``tax`` ``None``): the reconciliation compares net with Shopify's net and calls the
tax checkpoint not checkable. Credit notes are read net (their tax is their items' tax codes').
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from shopbridge.connectors.erp.syspro import xmlcredit as xc
from shopbridge.connectors.erp.syspro import xmlmap as xm
from shopbridge.connectors.erp.syspro.errors import is_unlicensed
from shopbridge.connectors.erp.syspro.xmlmap import decimal_of, sub, text_of, to_text
from shopbridge.domain.money import Money
from shopbridge.domain.records import SalesOrderLine
from shopbridge.errors import ConfigurationError
from shopbridge.ports.erp import HeldCreditNote, HeldOrder

__all__ = [
    "PER_FIND",
    "held_credit_note",
    "held_order",
    "po_numbers_xml",
    "sorqod_xml",
    "sorqry_all_lines_xml",
]

PER_FIND = 20  # customer PO numbers one COMFND asks for (``Or``-joined expressions)
CANCELLED = "\\"
COLUMNS = ("SalesOrder", "CustomerPoNumber", "OrderStatus")

Query = Callable[[str, str], ET.Element]  # (business object, XmlIn) -> the answer's root


def po_numbers_xml(po_numbers: Sequence[str]) -> str:
    return xm.find_xml(
        "SorMaster", COLUMNS, xm.any_of("CustomerPoNumber", po_numbers), rows=len(po_numbers) * 5
    )


def documents(query: Query, po_numbers: Sequence[str]) -> dict[str, list[str]]:
    """The live SorMaster documents carrying each customer PO number, by PO number."""
    found: dict[str, list[str]] = {}
    unique = list(dict.fromkeys(po_numbers))
    for start in range(0, len(unique), PER_FIND):
        for row in xm.find_rows(query("COMFND", po_numbers_xml(unique[start : start + PER_FIND]))):
            if row.get("OrderStatus") != CANCELLED:
                found.setdefault(row["CustomerPoNumber"], []).append(row["SalesOrder"])
    return found


def sorqry_all_lines_xml(sales_order: str) -> str:
    """SORQRY with every priced line: stocked, non-stocked and freight, completed ones too."""
    root = ET.Element("Query")
    sub(sub(root, "Key"), "SalesOrder", sales_order)
    option = sub(root, "Option")
    sub(option, "IncludeStockedLines", "Y")
    sub(option, "IncludeNonStockedLines", "Y")
    sub(option, "IncludeFreightLines", "Y")
    sub(option, "IncludeCompletedLines", "Y")
    return to_text(root)


def sorqod_xml(sales_order: str) -> str:
    """SORQOD for one order's acknowledgement: every line, whatever the document's print status."""
    root = ET.Element("Query")
    option = sub(root, "Option")
    sub(option, "Reprint", "Y")
    sub(option, "DocumentType", "O")
    sub(option, "IncludeNonStocked", "Y")
    sub(option, "IncludeCredDebForOrderAck", "Y")
    sub(option, "IgnorePrintStatus", "Y")
    ET.SubElement(sub(root, "Filter"), "SalesOrder", FilterType="S", FilterValue=sales_order)
    return to_text(root)


def _lines(root: ET.Element, currency: str) -> tuple[tuple[SalesOrderLine, ...], Decimal, list[str]]:
    """The ``Merchandise`` lines, the document's net (those lines' values plus freight), and each
    goods line's ``SalesOrderLine`` number."""
    merchandise = root.findall("SalesOrderLine/Merchandise")
    goods = tuple(
        SalesOrderLine(
            sku=text_of(node, "MStockCode"),
            quantity=int(decimal_of(text_of(node, "MOrderQty", "0"))),
            unit_price=Money.of(decimal_of(text_of(node, "MPrice", "0")), currency),
            tax=Money.zero(currency),
        )
        for node in merchandise
    )
    freight = sum(
        (decimal_of(text_of(n, "NMscChargeValue", "0")) for n in root.findall("SalesOrderLine/Freight")),
        Decimal(0),
    )
    numbers = [text_of(node, "SalesOrderLine") for node in merchandise]
    return goods, sum((ln.unit_price.amount * ln.quantity for ln in goods), freight), numbers


def _document_tax(root: ET.Element) -> tuple[dict[str, Decimal], Decimal]:
    """SORQOD's tax per ``SalesOrderLine`` number, and the document's tax (goods, freight, charges)."""
    document = root.find("SalesOrderDocument")
    if document is None:
        raise ValueError("SORQOD answered no SalesOrderDocument")
    per_line = {
        text_of(node, "SalesOrderLine"): decimal_of(text_of(node, "LineSalesTax", "0"))
        for node in document.findall("Merchandise")
    }
    totals = [text_of(document, f"Totals/{name}", "0") for name in _TAX_TOTALS]
    return per_line, sum((decimal_of(value) for value in totals), Decimal(0))


_TAX_TOTALS = ("TotalSalesTax", "TotalFreightTax", "TotalMiscChgTax")


def _taxes(query: Query, number: str) -> tuple[dict[str, Decimal], Decimal] | None:
    """SORQOD's taxes of the order; ``None`` where SORQOD is not licensed (tax not checkable)."""
    try:
        return _document_tax(query("SORQOD", sorqod_xml(number)))
    except ConfigurationError as exc:
        if is_unlicensed(exc):
            return None
        raise


def held_order(query: Query, reference: str, number: str, currency: str) -> HeldOrder:
    goods, net, numbers = _lines(query("SORQRY", sorqry_all_lines_xml(number)), currency)
    taxes = _taxes(query, number)
    if taxes is None:
        return HeldOrder(reference, number, Money.of(net, currency), None, goods)
    per_line, whole = taxes
    taxed = tuple(
        replace(line, tax=Money.of(per_line.get(line_number, Decimal(0)), currency))
        for line, line_number in zip(goods, numbers, strict=True)
    )
    tax = Money.of(whole, currency)
    return HeldOrder(reference, number, Money.of(net, currency), tax, taxed, tax_per_line=True)


def held_credit_note(query: Query, refund: str, number: str, currency: str) -> HeldCreditNote:
    _goods, net, _numbers = _lines(query("SORQRY", sorqry_all_lines_xml(number)), currency)
    return HeldCreditNote(refund, number, Money.of(net, currency), None)


def orders_held(query: Query, references: Sequence[str], currency: str) -> dict[str, list[HeldOrder]]:
    return {
        ref: [held_order(query, ref, number, currency) for number in numbers]
        for ref, numbers in documents(query, references).items()
    }


def credit_notes_held(
    query: Query, refunds: Sequence[tuple[str, str]], currency: str
) -> dict[str, HeldCreditNote]:
    keys = {xc.credit_reference(refund): refund for refund, _order in refunds}
    return {
        keys[po]: held_credit_note(query, keys[po], numbers[0], currency)
        for po, numbers in documents(query, list(keys)).items()
        if po in keys
    }
