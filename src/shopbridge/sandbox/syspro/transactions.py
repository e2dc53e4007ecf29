"""The sandbox's transaction and setup business objects GENTJL and ARSSCS, and the despatch lever.

SORTOI lives in ``sortoi.py``, the credit-note objects SORTCH and SORTCL in ``credits.py``, the
A/R receipts object ARSTPY in ``receipts.py``.
GENTJL follows its schema (WIRE.md source Z); ARSSCS is still an assumption.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from shopbridge.sandbox.syspro.credits import sortch, sortcl
from shopbridge.sandbox.syspro.receipts import arstpy
from shopbridge.sandbox.syspro.sortoi import OPEN_STATUSES, sortoi
from shopbridge.sandbox.syspro.state import Company, Row, today
from shopbridge.sandbox.syspro.xmlio import BoError, errors, out, sub, text


def _number(value: str, what: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise BoError(f"{what} '{value}' is not numeric") from exc


# --- despatch (what the warehouse does in SYSPRO; a lever, not a business object) -------------
def despatch(
    company: Company,
    reference: str,
    *,
    carrier: str,
    tracking: str,
    quantities: Mapping[str, int] | None = None,
) -> str:
    """Despatch what is outstanding on the order, or only ``quantities`` (stock code -> units)."""
    orders = [o for o in company.orders_with_po(reference) if o["OrderStatus"] in OPEN_STATUSES]
    if not orders:
        raise KeyError(f"no open sales order with customer PO number {reference}")
    order, note = orders[0], company.new_note_number()
    wanted = None if quantities is None else {code: Decimal(units) for code, units in quantities.items()}
    lines = company.order_lines(order["SalesOrder"], stocked_only=True)
    for line in lines:
        _despatch_line(company, note, line, wanted)
    if wanted is not None and any(units > 0 for units in wanted.values()):
        raise ValueError(f"cannot despatch more than is outstanding on {reference}: {wanted}")
    if all(Decimal(ln["ShipQty"]) >= Decimal(ln["OrderQty"]) for ln in lines):
        order["OrderStatus"] = "8"
    company.stamp(order)
    company.put(
        "MdnMaster",
        note,
        {
            "DispatchNote": note,
            "SalesOrder": order["SalesOrder"],
            "CustomerPoNumber": reference,
            "DispatchDate": today(),
            "ShippingInstrs": carrier,
            "Waybill": tracking,
            "Warehouse": order["Warehouse"],
        },
    )
    return note


def _despatch_line(company: Company, note: str, line: Row, wanted: dict[str, Decimal] | None) -> None:
    qty = Decimal(line["OrderQty"]) - Decimal(line["ShipQty"])
    if wanted is not None:
        qty = min(qty, wanted.get(line["StockCode"], Decimal(0)))
        wanted[line["StockCode"]] = wanted.get(line["StockCode"], Decimal(0)) - max(qty, Decimal(0))
    if qty <= 0:
        return
    line["ShipQty"] = str(Decimal(line["ShipQty"]) + qty)
    company.move_stock(line["StockCode"], line["Warehouse"], on_hand=-qty, allocated=-qty)
    company.put(
        "MdnDetail",
        f"{note}|{line['SalesOrderLine']}",
        {
            "DispatchNote": note,
            "MStockCode": line["StockCode"],
            "MQtyToDispatch": str(qty),
            "MWarehouse": line["Warehouse"],
        },
    )


# --- GENTJL ----------------------------------------------------------------------------------
# Request and answer element names from GENTJL's schema (WIRE.md source Z); rules are ours.
def gentjl(company: Company, params: ET.Element, root: ET.Element) -> str:
    answer = ET.Element("postgljournal")
    validate_only = text(params, "Parameters/ValidateOnly", "N").upper() == "Y"
    items = root.findall("Item")
    for item in items:
        problems = _journal_problems(item)
        if problems:
            return errors("PostGlJournal", "JournalReference", text(item, "JournalReference"), problems)
        if not validate_only:
            _post_journal(company, sub(answer, "Item"), item)
    status = sub(answer, "StatusOfItems")
    sub(status, "JournalsProcessed", "0" if validate_only or not items else "1")
    sub(status, "PostingsProcessed", "0" if validate_only else str(len(items)))
    return out(answer)


def _post_journal(company: Company, node: ET.Element, item: ET.Element) -> None:
    number = company.new_journal_number()
    year, period = today()[:4], str(int(today()[5:7]))
    reference = text(item, "JournalReference")
    company.put(
        "GenJournalCtl",
        f"{year}|{period}|{number}",
        {"GlYear": year, "GlPeriod": period, "Journal": number, "Reference": reference},
    )
    amounts = [Decimal(text(line, "EntryAmount", "0")) for line in item.findall("JournalDetails")]
    for line in item.findall("JournalDetails"):  # the ledger's side, as ARSTPY keeps it (for tests)
        ledger = text(line, "LedgerCode")
        row = {"GlCode": ledger, "EntryValue": text(line, "EntryAmount", "0"), "Reference": number}
        company.put("GenTransaction", f"{number}|{ledger}|{len(company.table('GenTransaction'))}", row)
    transaction = sub(node, "Transaction")
    key = sub(transaction, "Key")
    sub(key, "GlYear", year)
    sub(key, "GlPeriod", period)
    sub(key, "GlJournal", number)
    sub(transaction, "JournalDate", text(item, "JournalDate").replace("-", ""))
    sub(transaction, "NumOfEntries", str(len(amounts)))
    sub(transaction, "DebitAmount", str(sum((a for a in amounts if a > 0), Decimal(0))))
    sub(transaction, "CreditAmount", str(-sum((a for a in amounts if a < 0), Decimal(0))))


def _journal_problems(item: ET.Element) -> list[str]:
    lines = item.findall("JournalDetails")
    amounts = [_number(text(line, "EntryAmount", "0"), "EntryAmount") for line in lines]
    problems = [
        f"Ledger code is required on entry {i}" for i, ln in enumerate(lines, 1) if not text(ln, "LedgerCode")
    ]
    if not amounts:
        problems.append("The journal has no entries")
    elif sum(amounts, Decimal(0)) != 0:
        problems.append(f"Journal does not balance (difference {sum(amounts, Decimal(0))})")
    return problems


# --- ARSSCS (setup add) ----------------------------------------------------------------------
def arsscs(company: Company, params: ET.Element, root: ET.Element) -> str:
    answer = ET.Element("SetupArCustomer")
    for item in root.findall("Item"):
        code = text(item, "Key/Customer")
        if not code or code in company.table("ArCustomer"):
            reason = "Customer code is required" if not code else f"Customer '{code}' already exists"
            return errors("SetupArCustomer", "Customer", code, [reason])
        company.add_customer(
            code,
            text(item, "Name"),
            text(item, "Email"),
            Decimal(0),
            Telephone=text(item, "Telephone"),
            Currency=text(item, "Currency", "GBP") or "GBP",
        )
        sub(sub(sub(answer, "Item"), "Key"), "Customer", code)
    return out(answer)


Poster = Callable[[Company, ET.Element, ET.Element], str]
POSTS: dict[str, Poster] = {
    "SORTOI": sortoi,
    "SORTCH": sortch,
    "SORTCL": sortcl,
    "GENTJL": gentjl,
    "ARSTPY": arstpy,
}
SETUPS: dict[str, Poster] = {"ARSSCS": arsscs}
