"""SORQOD, the order acknowledgement query: a sales order's document with its tax, line by line.

Shape (WIRE.md, Z's ``SORQOD``/``SORQODOUT``): ``Query/{Option/{Reprint, DocumentType (O the
acknowledgement, D the delivery note), ..., IncludeNonStocked, ..., IncludeCredDebForOrderAck, ...,
IgnorePrintStatus}, Filter/SalesOrder@FilterType@FilterValue}`` in; out
``SorSalesOrderDocuments/SalesOrderDocument`` with ``Header``, one ``Merchandise`` per goods line
(``LineSalesTax``, ``MTaxCode``, ``LineTaxPerc``...) and ``Totals`` (``TotalSalesTax``,
``TotalFreightTax``, ``TotalMiscChgTax``, ``SalesTax/SalesTaxDetails`` per tax code).

The sandbox's tax (its own rules, assumed): a line is taxed at its ``StockTaxCode``, else its stock
code's ``InvMaster.TaxCode``; a non-stocked line flagged ``StockNotTaxable`` Y is not taxed; freight
and miscellaneous charges at the customer's tax code (``ArCustomer.TaxCode``, standard-rated where
the customer has none: "if blank use the tax code against the customer", Z). Each line's tax is its
net value times the code's ``AdmTax`` rate, rounded half up to the penny. Only a single order is
served (``FilterType`` S); the sandbox prints nothing, so print status never hides a document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shopbridge.sandbox.syspro.state import DEFAULT_CUSTOMER_TAX_CODE, Company, Row
from shopbridge.sandbox.syspro.xmlio import BoError, out, sub, text

PENNY = Decimal("0.01")
_GOODS, _NON_STOCKED, _FREIGHT, _MISC = "1", "7", "4", "5"


@dataclass
class _Taxed:
    code: str
    percent: Decimal
    net: Decimal

    @property
    def tax(self) -> Decimal:
        return (self.net * self.percent / 100).quantize(PENNY, rounding=ROUND_HALF_UP)


def sorqod(company: Company, root: ET.Element) -> str:
    number = _sales_order(root)
    header = company.table("SorMaster").get(number)
    if header is None:
        raise BoError(f"Sales order '{number}' not on file")
    with_non_stocked = text(root, "Option/IncludeNonStocked", "N").upper() == "Y"
    answer = ET.Element("SorSalesOrderDocuments")
    document = sub(answer, "SalesOrderDocument")
    sub(document, "DocumentNumber", number)
    sub(document, "DocumentType", text(root, "Option/DocumentType", "D").upper() or "D")
    sub(document, "Reprint", text(root, "Option/Reprint", "N").upper() or "N")
    head = sub(document, "Header")
    for element, column in (("DocumentNumber", "SalesOrder"), ("Customer", "Customer")):
        sub(head, element, header.get(column, ""))
    goods: list[_Taxed] = []
    charges: dict[str, list[_Taxed]] = {_FREIGHT: [], _MISC: []}
    for line in company.order_lines(number):
        kind = line["LineType"]
        if kind == _GOODS or (kind == _NON_STOCKED and with_non_stocked):
            taxed = _line_tax(company, line)
            goods.append(taxed)
            _merchandise(sub(document, "Merchandise"), number, line, taxed)
        elif kind in charges:
            value = Decimal(line.get("NMscChargeValue", "0") or "0")
            charges[kind].append(_at(company, _customer_code(company, header), value))
    _totals(sub(document, "Totals"), number, goods, charges[_FREIGHT], charges[_MISC])
    return out(answer)


def _sales_order(root: ET.Element) -> str:
    node = root.find("Filter/SalesOrder")
    if node is None or node.get("FilterType", "A").upper() != "S" or not node.get("FilterValue"):
        raise BoError("SORQOD in the sandbox answers one sales order: Filter/SalesOrder FilterType S")
    return str(node.get("FilterValue"))


def _at(company: Company, code: str, net: Decimal) -> _Taxed:
    row = company.table("AdmTax").get(code)
    if row is None:
        raise BoError(f"Tax code '{code}' not on file")
    return _Taxed(code, Decimal(row.get("Rate", "0") or "0"), net)


def _line_tax(company: Company, line: Row) -> _Taxed:
    net = Decimal(line.get("OrderQty", "0") or "0") * Decimal(line.get("Price", "0") or "0")
    if line["LineType"] == _NON_STOCKED and line.get("StockNotTaxable", "N") == "Y":
        return _Taxed("", Decimal(0), net)
    item = company.table("InvMaster").get(line.get("StockCode", ""), {})
    code = line.get("StockTaxCode") or item.get("TaxCode") or ""
    return _at(company, code, net) if code else _Taxed("", Decimal(0), net)


def _customer_code(company: Company, header: Row) -> str:
    customer = company.table("ArCustomer").get(header.get("Customer", ""), {})
    return customer.get("TaxCode") or DEFAULT_CUSTOMER_TAX_CODE


def _merchandise(node: ET.Element, number: str, line: Row, taxed: _Taxed) -> None:
    for element, value in (
        ("SalesOrderLine", line["SalesOrderLine"]),
        ("MOrderQty", line.get("OrderQty", "")),
        ("MShipQty", line.get("ShipQty", "")),
        ("MStockCode", line.get("StockCode", "")),
        ("MStockDes", line.get("Description", "")),
        ("MWarehouse", line.get("Warehouse", "")),
        ("MPrice", line.get("Price", "")),
        ("LineSalesTax", str(taxed.tax)),
        ("LineNetAfterDisc", str(taxed.net)),
        ("MTaxCode", taxed.code),
        ("LineTaxPerc", str(taxed.percent)),
        ("LineNetInclTax", str(taxed.net + taxed.tax)),
        ("SalesOrder", number),
    ):
        sub(node, element, value)


def _totals(
    node: ET.Element, number: str, goods: list[_Taxed], freight: list[_Taxed], misc: list[_Taxed]
) -> None:
    sub(node, "DocumentNumber", number)
    details = sub(node, "SalesTax")
    for code in sorted({t.code for t in goods + freight + misc if t.code}):
        at_code = [t for t in goods + freight + misc if t.code == code]
        row = sub(details, "SalesTaxDetails")
        sub(row, "DocumentNumber", number)
        sub(row, "SalesTaxCode", code)
        sub(row, "AmountTaxable", str(sum((t.net for t in at_code), Decimal(0))))
        sub(row, "SalesTaxPercentage", str(at_code[0].percent))
        sub(row, "SalesTaxAmount", str(sum((t.tax for t in at_code), Decimal(0))))
    net, tax = _sum(goods)
    freight_net, freight_tax = _sum(freight)
    misc_net, misc_tax = _sum(misc)
    for element, value in (
        ("TotalNetAmount", net),
        ("TotalNetAmtInclTax", net + tax),
        ("TotalSalesTax", tax),
        ("TotalInvoiceAmount", net + tax + freight_net + freight_tax + misc_net + misc_tax),
        ("TotalFreightAmount", freight_net),
        ("TotalMiscChargesAmt", misc_net),
        ("TotalFreightTax", freight_tax),
        ("TotalMiscChgTax", misc_tax),
    ):
        sub(node, element, str(value))


def _sum(lines: list[_Taxed]) -> tuple[Decimal, Decimal]:
    return sum((t.net for t in lines), Decimal(0)), sum((t.tax for t in lines), Decimal(0))
