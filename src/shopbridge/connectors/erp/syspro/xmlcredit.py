"""Pure XML mapping for SYSPRO credit notes: SORTCH (header) then SORTCL (lines).

Element names and order follow SYSPRO's schemas for the two objects, and the answers' shape follows
integrators' classes built from real answers (``sandbox/syspro/WIRE.md``, sources Z, W, N). Why
SORTCH + SORTCL and not SORTCI (credit from an existing invoice): SORTCI credits whole invoice lines
(no quantity), carries no reference of ours to find it again, and needs an invoice, which an order
despatched but not yet invoiced does not have.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from shopbridge.connectors.erp.syspro.xmlmap import amount, sub, text_of, to_text
from shopbridge.domain.problems import ProblemKind
from shopbridge.domain.records import CreditNote
from shopbridge.errors import NeedsPerson

_MAX_PO = 30  # CustomerPoNumber's width in SYSPRO's sales order schemas
_REFUND_GID = "gid://shopify/Refund/"
SHIPPING_CODE = "SHIPPING"  # our non-stocked code for a refunded delivery charge
ADJUSTMENT_CODE = "ADJUSTMENT"  # our non-stocked code for an untaxed refund adjustment
NON_STOCKED_WAREHOUSE = "**"  # SORTCL's schema: the warehouse of a non-stocked line
_CENT = Decimal("0.01")


def credit_reference(refund_reference: str) -> str:
    """The refund's key as a SYSPRO customer PO number: short, stable, and never an order's name.

    ``gid://shopify/Refund/9001`` becomes ``RF9001``; anything longer than the field holds becomes
    ``RF`` + a hash of it, so a retry always computes the same key.
    """
    tail = refund_reference.removeprefix(_REFUND_GID)
    key = f"RF{tail}"
    if len(key) <= _MAX_PO and tail.isalnum():
        return key
    return "RF" + hashlib.sha256(refund_reference.encode("utf-8")).hexdigest()[: _MAX_PO - 2].upper()


# --- SORTCH ----------------------------------------------------------------------------------
def sortch_parameters() -> str:
    """Warnings do not block the header (the schema offers N/Y only); post for real."""
    root = ET.Element("SOCreditNoteHeader")
    params = sub(root, "Parameters")
    sub(params, "IgnoreWarnings", "Y")
    sub(params, "ApplyIfEntireDocumentValid", "Y")
    sub(params, "ValidateOnly", "N")
    return to_text(root)


def sortch_xml(note: CreditNote, *, customer: str, invoice: str = "") -> str:
    """The header, in the schema's order: who is credited, our key, and what it credits.

    ``CustomerPoNumber`` carries our refund key (the lookup before every create), ``InvoiceNumber``
    the original order's invoice when SYSPRO has one, ``AlternateReference`` the Shopify order name.
    """
    root = ET.Element("SOCreditNoteHeader")
    item = sub(root, "Item")
    sub(item, "Customer", customer)
    sub(item, "CustomerPoNumber", credit_reference(note.refund_reference))
    if note.issued_on is not None:
        sub(item, "CreditNoteDate", note.issued_on.isoformat())
    if invoice:
        sub(item, "InvoiceNumber", invoice)
    sub(item, "AlternateReference", note.order_reference)
    return to_text(root)


def sortch_result(root: ET.Element) -> str | None:
    """The credit note number SYSPRO created (``CreditNoteCreated``), or None if none was echoed."""
    number = text_of(root, "Item/ValidationStatus/CreditNoteDetails/CreditNoteCreated")
    return number or None


# --- SORTCL ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreditLine:
    """One SORTCL item: a stocked line (a SKU in a warehouse) or a non-stocked one."""

    code: str
    warehouse: str
    quantity: int
    price: Decimal
    description: str = ""
    stocked: bool = True
    taxable: bool = True  # False: ``StockNotTaxable`` Y, SYSPRO adds no tax of its own


def credit_gap(note: CreditNote) -> str:
    """What SORTCL cannot carry of ``note`` exactly; "" when every part of it fits.

    SORTCL's line takes a price and a tax code (``StockTaxCode``) or ``StockNotTaxable`` Y, never a
    tax amount (the schema lists every element): SYSPRO works the tax out itself. Goods lines credit
    under their item's own tax code, as the sale was taxed. Shipping and an adjustment have no item
    and no tax code of Shopify's to give, so they fit only untaxed (a non-stocked line with
    ``StockNotTaxable`` Y), and only as a positive amount (a credit line's price).
    """
    gaps = []
    if note.shipping_tax is not None and not note.shipping_tax.is_zero():
        gaps.append(f"shipping tax {note.shipping_tax.rounded()}: a SORTCL line cannot carry a tax amount")
    if note.adjustment_tax is not None and not note.adjustment_tax.is_zero():
        gaps.append(
            f"adjustment tax {note.adjustment_tax.rounded()}: a SORTCL line cannot carry a tax amount"
        )
    if note.adjustment is not None and note.adjustment.amount < 0:
        gaps.append(f"a negative adjustment {note.adjustment.rounded()}: a credit line's price is positive")
    return "; ".join(gaps)


def credit_lines(
    note: CreditNote, *, warehouse: str, by_sku: Mapping[str, str] | None = None
) -> list[CreditLine]:
    """The note's goods lines at exact unit prices, and untaxed non-stocked lines for refunded
    shipping and an adjustment (:func:`credit_gap` says when those cannot be exact).

    A line's warehouse is its own, else the one the original order took that SKU from
    (``by_sku``), else ``warehouse``.
    """
    lines: list[CreditLine] = []
    for line in note.lines:
        where = line.warehouse or (by_sku or {}).get(line.sku) or warehouse
        lines.extend(_priced(line.sku, where, line.quantity, line.net.amount))
    extras = (
        (SHIPPING_CODE, note.shipping, "Shipping refund"),
        (ADJUSTMENT_CODE, note.adjustment, "Refund adjustment"),
    )
    for code, money, description in extras:
        if money is not None and money.amount:
            lines.append(_non_stocked(code, money.amount, description))
    return lines


def _non_stocked(code: str, price: Decimal, description: str) -> CreditLine:
    return CreditLine(
        code, NON_STOCKED_WAREHOUSE, 1, price, description=description, stocked=False, taxable=False
    )


def _priced(sku: str, warehouse: str, quantity: int, net: Decimal) -> Iterator[CreditLine]:
    """``quantity`` units whose prices add up to ``net`` exactly (SORTCL takes a unit price).

    When ``net`` does not divide evenly into pence, the last unit carries the odd pennies.
    """
    if quantity <= 1:
        yield CreditLine(sku, warehouse, max(quantity, 1), net)
        return
    unit = (net / quantity).quantize(_CENT, rounding=ROUND_DOWN)
    if unit * quantity == net:
        yield CreditLine(sku, warehouse, quantity, unit)
        return
    yield CreditLine(sku, warehouse, quantity - 1, unit)
    yield CreditLine(sku, warehouse, 1, net - unit * (quantity - 1))


def sortcl_parameters() -> str:
    """All lines or none (``ApplyIfEntireDocumentValid`` Y); warnings come back as warnings."""
    root = ET.Element("SOCreditNoteLine")
    params = sub(root, "Parameters")
    sub(params, "IgnoreWarnings", "W")
    sub(params, "ApplyIfEntireDocumentValid", "Y")
    sub(params, "ValidateOnly", "N")
    return to_text(root)


def sortcl_xml(credit_note: str, lines: list[CreditLine]) -> str:
    """One ``Item`` per line, elements in the schema's order.

    No ``CreditReason``: it takes a SYSPRO reason code, and a Shopify refund's reason is free text.
    """
    root = ET.Element("SOCreditNoteLine")
    for line in lines:
        item = sub(root, "Item")
        sub(item, "CreditNoteNumber", credit_note)
        sub(item, "NonStockedLine", "N" if line.stocked else "Y")
        sub(item, "StockCode", line.code)
        if line.description:
            sub(item, "Description", line.description)
        sub(item, "Warehouse", line.warehouse)
        sub(item, "OrderQty", str(line.quantity))
        sub(item, "Price", amount(line.price))
        if not line.taxable:
            sub(item, "StockNotTaxable", "Y")
    return to_text(root)


def sortcl_result(root: ET.Element, credit_note: str, expected: int) -> None:
    """Every line went onto the note, or a person must look at a credit note left without lines."""
    node = root.find("StatusOfItems/ItemsProcessed")
    if node is None:
        return  # nothing counted; rejections already surfaced as ErrorDescription
    processed = (node.text or "0").strip() or "0"
    if int(processed) >= expected:
        return
    status = {child.tag: (child.text or "").strip() for child in root.findall("StatusOfItems/*")}
    raise NeedsPerson(
        f"SYSPRO SORTCL added {processed} of {expected} lines to credit note {credit_note}: complete "
        "or cancel that credit note in SYSPRO (Sales Order Entry) before retrying",
        kind=ProblemKind.REMOTE_REJECTED,
        details={"syspro": status, "business_object": "SORTCL", "credit_note": credit_note},
    )
