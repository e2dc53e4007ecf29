"""The sandbox's ARSTPY (Post AR Payments, Adjustments and Miscellaneous Receipts), receipts only.

What SYSPRO's schema says (WIRE.md, source Z3) and this module does:
- parameters ``PostArPayment/Parameters``: ``PostingPeriod`` C/P/B, ``IgnoreWarnings`` N/Y (no W),
  ``ApplyIfEntireDocumentValid`` Y = validate every item first and post all or none,
  ``ValidateOnly`` Y = validate and post nothing;
- each ``Item`` holds one ``Payment``, ``Adjustments`` or ``MiscellaneousReceipt``; only the
  miscellaneous receipt is implemented here (a payment or adjustment is refused, naming itself);
- ``MiscellaneousReceiptValue`` is mandatory and zero is invalid; a **negative value is accepted
  with a warning** (rejected unless warnings are ignored); ``JournalNotation`` is mandatory;
  ``Bank`` must be a bank on file (absent: the operator's default bank); ledger codes must be
  on file (A/R integrated to G/L); the date, when given, is a date.
What is our assumption: the date format (CCYY-MM-DD), that the currency must be the bank's, that
the debit ledger defaults to the bank's ``CashGlCode``, that a credit ledger is required, that each
receipt becomes one ``CshTransactions`` row (``TrnType`` D, or W for a negative value, with the
receipt's ``Reference`` as ``TrnReference``), and the whole answer (no public ARSTPY XmlOut).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from shopbridge.sandbox.syspro.state import DEFAULT_BANK, Company, Row, today
from shopbridge.sandbox.syspro.xmlio import (
    BoError,
    decimal_or_none,
    item_errors,
    items_status,
    out,
    sub,
    text,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KINDS = ("Payment", "Adjustments", "MiscellaneousReceipt")
_ENUMS = {
    "PostingPeriod": ("C", "P", "B"),
    "IgnoreWarnings": ("N", "Y"),
    "ApplyIfEntireDocumentValid": ("Y", "N"),
    "ValidateOnly": ("N", "Y"),
}


def arstpy(company: Company, params: ET.Element, root: ET.Element) -> str:
    flags = _parameters(params)
    items = root.findall("Item")
    checked = [_check(company, item, ignore_warnings=flags["IgnoreWarnings"] == "Y") for item in items]
    problems = [messages for messages, _ in checked]
    all_or_none = flags["ApplyIfEntireDocumentValid"] == "Y"
    if flags["ValidateOnly"] == "Y" or (all_or_none and any(problems)):
        return _answer(company, [], problems)
    posted = [receipt for messages, receipt in checked if not messages and receipt is not None]
    return _answer(company, posted, problems)


def _parameters(params: ET.Element) -> dict[str, str]:
    flags = {}
    for name, allowed in _ENUMS.items():
        value = text(params, f"Parameters/{name}", allowed[0]).upper() or allowed[0]
        if value not in allowed:
            raise BoError(f"ARSTPY parameter {name} '{value}' is not valid; valid values are {allowed}")
        flags[name] = value
    return flags


def _check(company: Company, item: ET.Element, *, ignore_warnings: bool) -> tuple[list[str], Row | None]:
    kinds = [child.tag for child in item if child.tag in _KINDS]
    if kinds != ["MiscellaneousReceipt"]:
        what = ", ".join(kinds) or "nothing"
        return [f"Item holds {what}: the sandbox posts one MiscellaneousReceipt per Item"], None
    node = item.find("MiscellaneousReceipt")
    assert node is not None
    receipt, problems = _receipt(company, node)
    if receipt is not None and Decimal(receipt["Value"]) < 0 and not ignore_warnings:
        problems.append("Warning: miscellaneous receipt value is negative (set IgnoreWarnings to Y)")
    return problems, receipt if not problems else None


def _receipt(company: Company, node: ET.Element) -> tuple[Row | None, list[str]]:
    bank = company.table("ApBank").get(text(node, "Bank") or DEFAULT_BANK)
    value = decimal_or_none(text(node, "MiscellaneousReceiptValue"))
    problems = _value_problems(value) + _ledger_problems(company, node)
    if bank is None:
        problems.append(f"Bank '{text(node, 'Bank')}' not on file")
    elif text(node, "Currency", bank["Currency"]) not in ("", bank["Currency"]):
        problems.append(f"Currency '{text(node, 'Currency')}' is not the currency of bank {bank['Bank']}")
    date = text(node, "MiscellaneousReceiptDate") or today()
    if not _DATE.fullmatch(date):
        problems.append(f"Miscellaneous receipt date '{date}' is not a valid date")
    if not text(node, "JournalNotation"):
        problems.append("Journal notation is required")
    if problems or bank is None or value is None:
        return None, problems
    return {
        "Bank": bank["Bank"],
        "Value": str(value),
        "Reference": text(node, "Reference"),
        "Date": date,
        "Debit": text(node, "DebitLedgerCode") or bank["CashGlCode"],
        "Credit": text(node, "CreditLedgerCode"),
        "Notation": text(node, "JournalNotation"),
    }, []


def _value_problems(value: Decimal | None) -> list[str]:
    if value is None:
        return ["Miscellaneous receipt value is required and must be numeric"]
    return ["Miscellaneous receipt value of zero is invalid"] if value == 0 else []


def _ledger_problems(company: Company, node: ET.Element) -> list[str]:
    ledgers = company.table("GenMaster")
    problems = [
        f"{element} '{text(node, element)}' is not a valid general ledger code"
        for element in ("DebitLedgerCode", "CreditLedgerCode")
        if text(node, element) and text(node, element) not in ledgers
    ]
    if not text(node, "CreditLedgerCode"):
        problems.append("Credit ledger code is required (A/R is integrated to G/L in detail)")
    return problems


def _post(company: Company, receipt: Row) -> None:
    """One cash book row, and the ledger's two sides (kept for tests; not a findable table)."""
    value = Decimal(receipt["Value"])
    number = f"{len(company.table('CshTransactions')) + 1:06d}"
    company.put(
        "CshTransactions",
        f"{receipt['Bank']}|{number}",
        {
            "Bank": receipt["Bank"],
            "TrnDate": receipt["Date"],
            "TrnType": "D" if value > 0 else "W",
            "TrnValue": str(abs(value)),
            "TrnReference": receipt["Reference"],
            "Narration": receipt["Notation"],
            "ReconciledFlag": "N",
        },
    )
    for ledger, signed in ((receipt["Debit"], value), (receipt["Credit"], -value)):
        key = f"{number}|{ledger}|{len(company.table('GenTransaction'))}"
        company.put("GenTransaction", key, {"GlCode": ledger, "EntryValue": str(signed), "Reference": number})


def _answer(company: Company, posted: list[Row], problems: list[list[str]]) -> str:
    root = ET.Element("postarpayment")
    for receipt in posted:
        _post(company, receipt)
        node = sub(sub(root, "Item"), "MiscellaneousReceipt")
        sub(node, "Bank", receipt["Bank"])
        sub(node, "Reference", receipt["Reference"])
        sub(node, "MiscellaneousReceiptValue", receipt["Value"])
    invalid = item_errors(root, problems)
    items_status(root, processed=len(posted), invalid=invalid)
    return out(root)
