"""Pure XML mapping for SYSPRO's query, setup and journal objects (no I/O, table-tested).

Element names follow the business-object samples SYSPRO ships (see ``sandbox/syspro/WIRE.md`` for
what is sourced and what is our assumption). XML is built with ``xml.etree`` (escaping is
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
from shopbridge.domain.records import Customer, Item, ItemStatus, JournalEntry, StockLevel


@dataclass(frozen=True)
class Condition:
    """One ``<Expression>`` of a COMFND ``<Where>``: column, EQ/GT/LT, value, joined by And/Or."""

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
        for cond in where:
            _expression(clause, cond)
    if order_by:
        sub(sub(root, "OrderBy"), "Column", order_by)
    return to_text(root)


def _expression(clause: ET.Element, cond: Condition) -> None:
    expr = sub(clause, "Expression")
    sub(expr, "OpenBracket", "(")
    sub(expr, "Column", cond.column)
    sub(expr, "Condition", cond.condition)
    sub(expr, "Value", cond.value)
    sub(expr, "CloseBracket", ")")
    sub(expr, "AndOr", cond.and_or)


def any_of(column: str, values: Iterable[str]) -> list[Condition]:
    return [Condition(column, "EQ", v, "Or") for v in values]


def find_rows(root: ET.Element) -> list[dict[str, str]]:
    """The ``<Row>`` elements of a COMFND answer as dicts of column -> text."""
    return [{child.tag: (child.text or "").strip() for child in row} for row in root.iter("Row")]


def cursor_after(rows: Sequence[dict[str, str]], cursor: str | None) -> str | None:
    """The TimeStamp (SQL rowversion) of the last row, or the old cursor when nothing changed."""
    return rows[-1]["TimeStamp"] if rows else cursor


def since(cursor: str | None) -> list[Condition]:
    return [Condition("TimeStamp", "GT", cursor)] if cursor else []


# --- Items and stock (InvMaster, InvPrice, InvWarehouse) ----------------------------------------
ITEM_COLUMNS = ("StockCode", "Description", "StockOnHold", "TaxCode", "TimeStamp")
PRICE_COLUMNS = ("StockCode", "PriceCode", "SellingPrice")
STOCK_COLUMNS = ("StockCode", "Warehouse", "QtyOnHand", "QtyAllocated", "TimeStamp")


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


def stock_from_row(row: dict[str, str]) -> StockLevel:
    """Free stock is on hand less allocated to sales orders (SYSPRO's QtyAvailable, simplified)."""
    on_hand = decimal_of(row["QtyOnHand"])
    allocated = decimal_of(row.get("QtyAllocated", "0"))
    return StockLevel(
        sku=row["StockCode"],
        warehouse=row["Warehouse"],
        free=max(on_hand - allocated, Decimal(0)),
        on_hand=on_hand,
        allocated=allocated,
    )


# --- Customers (ArCustomer via COMFND, ARSSCS to add, ARSQRY for credit) -------------------------
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
    root = ET.Element("Query")
    sub(sub(root, "Key"), "Customer", account)
    option = sub(root, "Option")
    sub(option, "IncludeBalances", "Y")
    return to_text(root)


def credit_from_arsqry(root: ET.Element) -> tuple[Decimal, Decimal]:
    """(credit limit, current balance); a limit of 0 means no limit in SYSPRO."""
    return decimal_of(text_of(root, ".//CreditLimit", "0")), decimal_of(
        text_of(root, ".//CurrentBalance", "0")
    )


# --- GENTJL: general ledger journal ----------------------------------------------------------
def gentjl_parameters(*, validate_only: bool = False) -> str:
    root = ET.Element("PostGlJournal")
    params = sub(root, "Parameters")
    sub(params, "PostingType", "N")
    sub(params, "ValidateOnly", "Y" if validate_only else "N")
    sub(params, "ApplyIfEntireDocumentValid", "Y")
    return to_text(root)


def gentjl_xml(entry: JournalEntry) -> str:
    """Debits are positive amounts, credits negative (one signed Amount per line)."""
    root = ET.Element("PostGlJournal")
    item = sub(root, "Item")
    header = sub(item, "Journal")
    sub(header, "JournalDate", entry.posted_on.isoformat())
    sub(header, "Reference", entry.reference)
    sub(header, "Notation", entry.narrative[:100])
    for line in entry.lines:
        signed = line.debit.amount if line.debit is not None else -(line.credit.amount if line.credit else 0)
        node = sub(item, "JournalLine")
        sub(node, "LedgerCode", line.nominal_code)
        sub(node, "Amount", amount(Decimal(signed)))
        sub(node, "Comment", line.description[:50])
    return to_text(root)


def journal_number(root: ET.Element) -> str:
    return text_of(root, ".//Journal")


def utc_date(text: str) -> datetime:
    """A SYSPRO date (YYYY-MM-DD, the company's day) as midnight UTC."""
    return datetime.fromisoformat(text.strip()[:10]).replace(tzinfo=UTC)
