"""Pure XML mapping for SYSPRO's query, setup and journal objects (no I/O, table-tested).

Element names and order follow the public evidence in ``sandbox/syspro/WIRE.md`` (COMFND from
integrators' notes, ARSQRY and GENTJL from SYSPRO's schemas; ARSSCS is still our assumption), and
``tests/syspro/test_syspro_fidelity.py`` pins them. XML is built with ``xml.etree`` (escaping is
automatic) and parsed elsewhere with defusedxml.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from shopbridge.domain.money import Money
from shopbridge.domain.records import Customer, Item, ItemStatus, JournalEntry


@dataclass(frozen=True)
class Condition:
    """One ``<Expression>`` of a COMFND ``<Where>``: column, EQ/GT/LT, value.

    ``and_or`` joins this expression to the one before it (SYSPRO writes ``<AndOr>`` first inside
    the second and later expressions); on the first expression it is not sent.
    """

    column: str
    condition: str
    value: str
    and_or: str = "And"


def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = text
    return node


def to_text(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def text_of(node: ET.Element, tag: str, default: str = "") -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None and found.text else default


def decimal_of(text: str) -> Decimal:
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation as exc:
        raise ValueError(f"SYSPRO sent {text!r} where a number belongs") from exc


def amount(value: Decimal) -> str:
    return format(value, "f")


# --- COMFND: generic find over one table -------------------------------------------------------
def find_xml(
    table: str,
    columns: Sequence[str],
    where: Sequence[Condition] = (),
    *,
    rows: int = 100,
    order_by: str = "",
) -> str:
    root = ET.Element("Query")
    sub(root, "TableName", table)
    sub(root, "ReturnRows", str(rows))
    cols = sub(root, "Columns")
    for column in columns:
        sub(cols, "Column", column)
    if where:
        clause = sub(root, "Where")
        for index, cond in enumerate(where):
            _expression(clause, cond, first=index == 0)
    if order_by:
        sub(sub(root, "OrderBy"), "Column", order_by)
    return to_text(root)


def _expression(clause: ET.Element, cond: Condition, *, first: bool) -> None:
    expr = sub(clause, "Expression")
    if not first:
        sub(expr, "AndOr", cond.and_or)
    sub(expr, "OpenBracket", "(")
    sub(expr, "Column", cond.column)
    sub(expr, "Condition", cond.condition)
    sub(expr, "Value", cond.value)
    sub(expr, "CloseBracket", ")")


def any_of(column: str, values: Iterable[str]) -> list[Condition]:
    return [Condition(column, "EQ", v, "Or") for v in values]


def find_rows(root: ET.Element) -> list[dict[str, str]]:
    """The ``<Row>`` elements of a COMFND answer as dicts of column -> text.

    SYSPRO names the answer's root after the table and puts ``HeaderDetails`` and ``RowsReturned``
    beside the rows, so only direct ``Row`` children are read.
    """
    return [{child.tag: (child.text or "").strip() for child in row} for row in root.findall("Row")]


def cursor_after(rows: Sequence[dict[str, str]], cursor: str | None) -> str | None:
    """The TimeStamp (SQL rowversion) of the last row, or the old cursor when nothing changed."""
    return rows[-1]["TimeStamp"] if rows else cursor


def since(cursor: str | None) -> list[Condition]:
    return [Condition("TimeStamp", "GT", cursor)] if cursor else []


# --- Items and stock (InvMaster, InvPrice, InvWarehouse) ----------------------------------------
ITEM_COLUMNS = ("StockCode", "Description", "StockOnHold", "TaxCode", "TimeStamp")
PRICE_COLUMNS = ("StockCode", "PriceCode", "SellingPrice")
# The stock feed only needs the keys that changed; the figures come from INVQRY (xmlstock).
STOCK_COLUMNS = ("StockCode", "Warehouse", "TimeStamp")


def item_from_row(row: dict[str, str], *, price: Money | None = None) -> Item:
    """StockOnHold ' ' (blank) means sellable; 'F' (full) or 'P' (partial) hold means inactive."""
    on_hold = row.get("StockOnHold", "").strip()
    return Item(
        sku=row["StockCode"],
        description=row.get("Description", ""),
        status=ItemStatus.INACTIVE if on_hold else ItemStatus.ACTIVE,
        erp_id=row["StockCode"],
        unit_price=price,
        tax_code=row.get("TaxCode", ""),
    )


def prices_by_code(rows: Sequence[dict[str, str]], currency: str) -> dict[str, dict[str, Money]]:
    """Price code -> stock code -> selling price."""
    out: dict[str, dict[str, Money]] = {}
    for row in rows:
        price = Money.of(decimal_of(row["SellingPrice"]), currency)
        out.setdefault(row["PriceCode"], {})[row["StockCode"]] = price
    return out


# --- Customers (ArCustomer via COMFND, ARSSCS to add, ARSQRY for credit) -------------------------
# ARSQRY's shapes follow its schema (generated classes, WIRE.md source Z); ARSSCS is assumed.
CUSTOMER_COLUMNS = ("Customer", "Name", "Email", "Telephone", "Currency")
_CUSTOMER_FIELDS = (("Name", "display_name"), ("Telephone", "phone"))


def customer_code(email: str) -> str:
    """A stable 10-character account code derived from the email, so a retried create is a no-op."""
    return "SB" + hashlib.sha1(email.strip().lower().encode()).hexdigest()[:8].upper()


def customer_conflicts(row: dict[str, str], customer: Customer) -> tuple[str, ...]:
    ours = {"display_name": customer.display_name, "phone": customer.phone}
    return tuple(
        name
        for column, name in _CUSTOMER_FIELDS
        if ours[name] and row.get(column, "") not in ("", ours[name])
    )


def arsscs_parameters() -> str:
    root = ET.Element("SetupArCustomer")
    params = sub(root, "Parameters")
    sub(params, "IgnoreWarnings", "N")
    sub(params, "ApplyIfEntireDocumentValid", "Y")
    sub(params, "ValidateOnly", "N")
    return to_text(root)


def arsscs_xml(code: str, customer: Customer) -> str:
    root = ET.Element("SetupArCustomer")
    item = sub(root, "Item")
    sub(sub(item, "Key"), "Customer", code)
    sub(item, "Name", customer.display_name[:50])
    sub(item, "Email", customer.email)
    sub(item, "Telephone", customer.phone)
    if customer.currency:
        sub(item, "Currency", customer.currency)
    address = customer.billing_address
    if address is not None:
        sub(item, "SoldToAddr1", address.line1)
        sub(item, "SoldToAddr2", address.line2)
        sub(item, "SoldToAddr3", address.city)
        sub(item, "SoldPostalCode", address.postcode)
    return to_text(root)


def arsqry_xml(account: str) -> str:
    """The customer's statement header and totals only: no invoice, payment or post-dated detail."""
    root = ET.Element("Query")
    sub(sub(root, "Key"), "Customer", account)
    option = sub(root, "Option")
    sub(option, "IncludeTransactions", "N")
    sub(option, "IncludeCheckPayments", "N")
    sub(option, "IncludePostDated", "N")
    return to_text(root)


def credit_from_arsqry(root: ET.Element) -> tuple[Decimal, Decimal]:
    """(credit limit, exposure) from ARSQRY's ``ARStatement``; a limit of 0 means no limit.

    Exposure is the AR balance (``TotalSection/CurrentBalance``) plus the value of open sales
    orders (``Header/OutstOrdVal``); reading OutstOrdVal as open-order value is our assumption.
    """
    limit = decimal_of(text_of(root, "Header/CreditLimit", "0"))
    balance = decimal_of(text_of(root, "TotalSection/CurrentBalance", "0"))
    return limit, balance + decimal_of(text_of(root, "Header/OutstOrdVal", "0"))


# --- GENTJL: general ledger journal ----------------------------------------------------------
# Shapes from GENTJL's schema (generated classes, WIRE.md source Z): parameters, the ``Item`` with
# ``JournalDetails`` lines, and the answer ``postgljournal/Item/Transaction/Key/{GlYear, GlPeriod,
# GlJournal}``. The signed ``EntryAmount`` (debit positive) and the date format are our assumption.
JOURNAL_COLUMNS = ("GlYear", "GlPeriod", "Journal", "Reference")


def gentjl_parameters(*, validate_only: bool = False) -> str:
    root = ET.Element("PostGlJournal")
    params = sub(root, "Parameters")
    sub(params, "IgnoreWarnings", "N")
    sub(params, "ApplyIfEntireDocumentValid", "Y")
    sub(params, "ValidateOnly", "Y" if validate_only else "N")
    sub(params, "ActionType", "A")
    return to_text(root)


def gentjl_xml(entry: JournalEntry) -> str:
    """One normal journal, posted at once; debits are positive amounts, credits negative."""
    root = ET.Element("PostGlJournal")
    item = sub(root, "Item")
    sub(item, "JournalType", "N")
    sub(item, "PostJournal", "Y")
    sub(item, "JournalDate", entry.posted_on.isoformat())
    sub(item, "JournalReference", entry.reference)
    sub(item, "Notation", entry.narrative[:100])
    for number, line in enumerate(entry.lines, start=1):
        signed = line.debit.amount if line.debit is not None else -(line.credit.amount if line.credit else 0)
        node = sub(item, "JournalDetails")
        sub(node, "EntryNumber", str(number))
        sub(node, "LedgerCode", line.nominal_code)
        sub(node, "Reference", entry.reference)
        sub(node, "EntryAmount", amount(Decimal(signed)))
        sub(node, "Comment", line.description[:50])
    return to_text(root)


def journal_number(root: ET.Element) -> str:
    """``GlYear-GlPeriod-GlJournal`` of the journal SYSPRO created (a journal number alone repeats)."""
    key = root.find("Item/Transaction/Key")
    if key is None:
        return ""
    return journal_id(
        {
            "GlYear": text_of(key, "GlYear"),
            "GlPeriod": text_of(key, "GlPeriod"),
            "Journal": text_of(key, "GlJournal"),
        }
    )


def journal_id(row: dict[str, str]) -> str:
    return "-".join(row.get(column, "") for column in ("GlYear", "GlPeriod", "Journal"))


def utc_date(text: str) -> datetime:
    """A SYSPRO date (YYYY-MM-DD, the company's day) as midnight UTC."""
    return datetime.fromisoformat(text.strip()[:10]).replace(tzinfo=UTC)


# --- Config lookups (``connect erp``): the table and key column COMFND finds each kind in ----------
# InvWhControl.Warehouse, AdmTax.TaxCode and GenMaster.GlCode are SYSPRO's own tables and keys, as
# integrators' SQL against live SYSPRO databases names them (WIRE.md, source Q2); ArCustomer.Customer
# is the customer master the customer lookup already reads. Carriers have no entry: SORTOI takes
# ShippingInstrs as free text and no public source names a table of shipping-instruction codes.
LOOKUP_TABLES: dict[str, tuple[str, str]] = {
    "warehouse": ("InvWhControl", "Warehouse"),
    "tax_code": ("AdmTax", "TaxCode"),
    "nominal_code": ("GenMaster", "GlCode"),
    "customer_account": ("ArCustomer", "Customer"),
}
