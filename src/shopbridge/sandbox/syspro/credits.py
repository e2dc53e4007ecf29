"""The sandbox's credit-note objects: SORTCH (credit note header) and SORTCL (its lines).

What the public evidence shows (WIRE.md, sources Z, W, N) and this module does:
- SORTCH ``SOCreditNoteHeader/Item``: ``Customer`` must be on file; ``CreditNoteNumber`` is
  optional (SYSPRO numbers the note when it is absent); ``InvoiceNumber``, when given, must be an
  invoice of that customer; dates are CCYY-MM-DD; ``PaymentMethod`` is CR or CS. The answer is
  ``socreditnoteheader/Item/ValidationStatus/CreditNoteDetails/{Customer, CreditNoteCreated}``.
- SORTCL ``SOCreditNoteLine/Item`` (one per line): ``CreditNoteNumber`` must be an existing credit
  note; a stocked line (``NonStockedLine`` N) needs a stock code and warehouse on file, a
  non-stocked line the warehouse ``**``; a zero quantity needs ``AllowZeroQty`` Y; with no price
  the item's default price is used; ``StockNotTaxable`` is N, Y or empty (the schema's enum) and Y
  marks the line untaxed. A line carries no tax amount: SYSPRO works tax out from the tax code.
  ``ApplyIfEntireDocumentValid`` Y applies all lines or none.
What is our assumption: that SYSPRO keeps a credit note as a sales-order document (``SorMaster``
with ``DocumentType`` C, numbered from the sales order sequence), the ``Status`` wording, the
rejection shape (``ErrorMessages/ErrorDescription``), and that posting lines moves no stock.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from shopbridge.sandbox.syspro.state import Company, Row, today
from shopbridge.sandbox.syspro.xmlio import decimal_or_none, item_errors, items_status, out, sub, text

CREDIT_NOTE = "C"  # SorMaster.DocumentType of a credit note
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _rejected(root_tag: str, problems: list[list[str]], processed: int = 0) -> str:
    root = ET.Element(root_tag)
    invalid = item_errors(root, problems)
    items_status(root, processed=processed, invalid=invalid)
    return out(root)


def _flag(params: ET.Element, name: str) -> bool:
    return text(params, f"Parameters/{name}", "N").upper() == "Y"


# --- SORTCH ----------------------------------------------------------------------------------
def sortch(company: Company, params: ET.Element, root: ET.Element) -> str:
    items = root.findall("Item")
    problems = [_header_problems(company, item) for item in items]
    if not items or any(problems):
        return _rejected("socreditnoteheader", problems or [["No credit note header was supplied"]])
    answer = ET.Element("socreditnoteheader")
    for number, item in enumerate(items, 1):
        created = "" if _flag(params, "ValidateOnly") else _add_header(company, item)
        node = sub(answer, "Item")
        validation = sub(node, "ValidationStatus")
        details = sub(validation, "CreditNoteDetails")
        sub(details, "Customer", text(item, "Customer"))
        sub(details, "CreditNoteCreated", created)
        sub(validation, "Status", "Successful")
        sub(node, "ItemNumber", str(number))
    items_status(answer, processed=len(items), invalid=0)
    return out(answer)


def _header_problems(company: Company, item: ET.Element) -> list[str]:
    customer, problems = text(item, "Customer"), []
    if customer not in company.table("ArCustomer"):
        problems.append(f"Customer '{customer}' not on file")
    number = text(item, "CreditNoteNumber")
    if number and number in company.table("SorMaster"):
        problems.append(f"Credit note '{number}' already exists")
    for field in ("CreditNoteDate", "ShipDate"):
        value = text(item, field)
        if value and not _DATE.fullmatch(value):
            problems.append(f"{field} '{value}' is not a valid date (CCYY-MM-DD)")
    invoice = text(item, "InvoiceNumber")
    if invoice and company.table("ArInvoice").get(invoice, {}).get("Customer") != customer:
        problems.append(f"Invoice '{invoice}' not on file for customer '{customer}'")
    method = text(item, "PaymentMethod", "CR").upper()
    if method not in ("CR", "CS"):
        problems.append(f"Payment method '{method}' is not valid")
    return problems


def _add_header(company: Company, item: ET.Element) -> str:
    number = text(item, "CreditNoteNumber") or company.new_order_number()
    company.put(
        "SorMaster",
        number,
        {
            "SalesOrder": number,
            "DocumentType": CREDIT_NOTE,
            "CustomerPoNumber": text(item, "CustomerPoNumber"),
            "Customer": text(item, "Customer"),
            "OrderStatus": "1",
            "OrderDate": text(item, "CreditNoteDate", today()),
            "InvoiceNumber": text(item, "InvoiceNumber"),
            "AlternateReference": text(item, "AlternateReference"),
            "Warehouse": "",
            "ShippingInstrs": "",
        },
    )
    return number


# --- SORTCL ----------------------------------------------------------------------------------
def sortcl(company: Company, params: ET.Element, root: ET.Element) -> str:
    items = root.findall("Item")
    problems = [_line_problems(company, item) for item in items]
    if not items or (any(problems) and _flag(params, "ApplyIfEntireDocumentValid")):
        return _rejected("socreditnoteline", problems or [["No credit note line was supplied"]])
    if any(problems):  # item by item: the good lines go on, the bad ones are reported
        good = [item for item, found in zip(items, problems, strict=True) if not found]
        if not _flag(params, "ValidateOnly"):
            for item in good:
                _add_line(company, item)
        return _rejected("socreditnoteline", problems, processed=len(good))
    answer = ET.Element("socreditnoteline")
    for number, item in enumerate(items, 1):
        if not _flag(params, "ValidateOnly"):
            _add_line(company, item)
        node = sub(answer, "Item")
        validation = sub(node, "ValidationStatus")
        sub(sub(validation, "CreditNoteDetails"), "CreditNoteNumber", text(item, "CreditNoteNumber"))
        sub(validation, "Status", "Successful")
        sub(node, "ItemNumber", str(number))
    items_status(answer, processed=len(items), invalid=0)
    return out(answer)


def _line_problems(company: Company, item: ET.Element) -> list[str]:
    number, code = text(item, "CreditNoteNumber"), text(item, "StockCode")
    note = company.table("SorMaster").get(number)
    problems = (
        [] if note and note.get("DocumentType") == CREDIT_NOTE else [f"Credit note '{number}' not on file"]
    )
    if not code:
        problems.append("Stock code is required")
    warehouse = text(item, "Warehouse")
    if text(item, "NonStockedLine", "N").upper() == "Y":
        if warehouse != "**":
            problems.append(f"Warehouse must be '**' for non-stocked line '{code}'")
    elif code and code not in company.table("InvMaster"):
        problems.append(f"Stock code '{code}' not on file")
    elif warehouse not in company.table("InvWhControl"):
        problems.append(f"Warehouse '{warehouse}' not on file")
    qty = decimal_or_none(text(item, "OrderQty", "0"))
    if qty is None or qty < 0 or (qty == 0 and text(item, "AllowZeroQty", "N").upper() != "Y"):
        problems.append(f"Order quantity '{text(item, 'OrderQty')}' is not valid for line '{code}'")
    price = text(item, "Price")
    if price and decimal_or_none(price) is None:
        problems.append(f"Price '{price}' is not numeric")
    if text(item, "StockNotTaxable").upper() not in ("", "N", "Y"):
        problems.append(f"StockNotTaxable '{text(item, 'StockNotTaxable')}' is not valid for line '{code}'")
    return problems


def _add_line(company: Company, item: ET.Element) -> None:
    number, code = text(item, "CreditNoteNumber"), text(item, "StockCode")
    stocked = text(item, "NonStockedLine", "N").upper() != "Y"
    present = [int(row["SalesOrderLine"]) for row in company.order_lines(number)]
    line = str(max(present, default=0) + 1)
    master = company.table("InvMaster").get(code, {}) if stocked else {}
    row: Row = {
        "SalesOrder": number,
        "SalesOrderLine": line,
        "LineType": "1" if stocked else "7",
        "StockCode": code,
        "Description": text(item, "Description") or master.get("Description", ""),
        "Warehouse": text(item, "Warehouse"),
        "OrderQty": text(item, "OrderQty", "0"),
        "ShipQty": "0",
        "Price": text(item, "Price") or _default_price(company, code),
        "StockNotTaxable": text(item, "StockNotTaxable").upper() or "N",
    }
    company.put("SorDetail", f"{number}|{line}", row)


def _default_price(company: Company, code: str) -> str:
    return company.table("InvPrice").get(f"{code}|A", {}).get("SellingPrice", "0")
