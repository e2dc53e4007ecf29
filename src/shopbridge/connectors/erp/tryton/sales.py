"""Sales orders and credit notes in Tryton.

A sale carries the Shopify order name in ``reference`` (the dedup key, looked up before create).
We create it in draft, then ``quote`` and ``confirm`` (Tryton processes a confirmed sale at once:
it makes the customer shipment and the invoice). A sale left part-way by a crash is moved on, not
created again; a sale Tryton refuses to quote is deleted so a retry starts clean. A sale Tryton
refuses to confirm over the customer's credit limit stays a quotation for finance (see ``credit``).

A credit note is an ``out`` invoice with negative quantities, its lines' ``origin`` the sale lines
(so Tryton lists it among the sale's invoices), ``reference`` the Shopify refund id (the dedup key),
posted at once. Tryton invoices do not move stock: restocking is the returns process in Tryton.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shopbridge.connectors.erp.tryton import credit
from shopbridge.connectors.erp.tryton import translate as tr
from shopbridge.connectors.erp.tryton.lookups import Lookups, ProductRef
from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    CreditNote,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
)
from shopbridge.errors import NeedsPerson, ShopbridgeError
from shopbridge.ports.erp import CreditLimitExceeded, PostedDocument, UnknownSku

SALE_FIELDS = (
    "reference",
    "number",
    "state",
    "shipment_state",
    "invoice_state",
    "shipments",
    "party.code",
    "lines",
    "party",
    "invoice_address",
)
ADVANCE = {"draft": ("quote", "confirm"), "quotation": ("confirm",)}  # the steps on to confirmed
LINE_FIELDS = ("type", "product.suffix_code", "quantity", "unit_price", "description", "product", "unit")


def find_sale(look: Lookups, reference: str) -> dict[str, Any] | None:
    rows = look.search_read("sale.sale", [("reference", "=", reference)], SALE_FIELDS, order=[("id", "DESC")])
    live = [r for r in rows if tr.order_status(r) != SalesOrderStatus.CANCELLED]
    if live:
        return live[0]
    return rows[0] if rows else None


def sale_lines(look: Lookups, sale: dict[str, Any]) -> list[dict[str, Any]]:
    return look.search_read("sale.line", [("sale", "=", int(sale["id"]))], LINE_FIELDS, order=[("id", "ASC")])


def find_sales_order(look: Lookups, reference: str) -> SalesOrder | None:
    sale = find_sale(look, reference)
    if sale is None:
        return None
    return tr.to_sales_order(sale, sale_lines(look, sale), look.currency[1])


def create_sales_order(look: Lookups, order: SalesOrderRequest) -> PostedDocument:
    existing = find_sale(look, order.reference)
    if existing is not None:
        if existing.get("state") in ADVANCE:
            advance(look, existing)
            existing = look.search_read("sale.sale", [("id", "=", int(existing["id"]))], SALE_FIELDS)[0]
        return posted(existing, existed=True)
    products = require_products(look, order)
    sale_id = _create_draft(look, order, products)
    try:
        advance(look, {"id": sale_id, "state": "draft"})
    except CreditLimitExceeded:
        raise  # the quotation waits in Tryton for finance
    except ShopbridgeError:
        _discard(look, sale_id)
        raise
    created = look.search_read("sale.sale", [("id", "=", sale_id)], SALE_FIELDS)
    return posted(created[0])


def require_products(look: Lookups, order: SalesOrderRequest) -> dict[str, ProductRef]:
    found = look.products(sorted({line.sku for line in order.lines}))
    missing = [line.sku for line in order.lines if line.sku not in found]
    if missing:
        raise UnknownSku(missing, reference=order.reference)
    inactive = sorted({sku for sku, ref in found.items() if not ref.active})
    if inactive:
        raise NeedsPerson(
            f"order {order.reference}: item(s) {', '.join(inactive)} are inactive in Tryton",
            details={"skus": inactive, "reference": order.reference},
        )
    return found


def _create_draft(look: Lookups, order: SalesOrderRequest, products: dict[str, ProductRef]) -> int:
    party = look.party(order.customer_account)
    address = (party.get("addresses") or [None])[0]
    values = {
        "party": int(party["id"]),
        "reference": order.reference,
        "sale_date": order.order_date,
        "currency": company_currency(look, order),
        "invoice_address": address,
        "shipment_address": address,
        "warehouse": look.warehouse.id,
        "description": order.note[:200] or order.reference,
        "lines": [["create", with_vat_rounding(look, order, line_values(look, order, products))]],
    }
    created = look.rpc.model("sale.sale", "create", [values])
    if not isinstance(created, list) or len(created) != 1:
        raise NeedsPerson(f"Tryton answered sale.sale.create with {created!r}")
    return int(created[0])


def company_currency(look: Lookups, order: SalesOrderRequest) -> int:
    """The id of the company currency, which the order must be in."""
    currency_id, code = look.currency
    if order.currency != code:
        raise NeedsPerson(
            f"order {order.reference} is in {order.currency}; Tryton's company trades in {code}"
        )
    return currency_id


def line_values(
    look: Lookups, order: SalesOrderRequest, products: dict[str, ProductRef]
) -> list[dict[str, Any]]:
    """The ``sale.line`` values of the order: its items, then shipping (a line without product)."""
    values = [_line_values(look, line, products[line.sku]) for line in order.lines]
    if order.shipping is not None and not order.shipping.is_zero():
        values.append(_shipping_values(look, order, order.shipping))
    return values


def with_vat_rounding(
    look: Lookups, order: SalesOrderRequest, values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The lines, plus the pair that keeps Shopify's VAT where Tryton would round it otherwise.

    Tryton (``tax_rounding = document``, its default) adds each tax's base over the sale and rounds
    once; Shopify rounds each line. Where the two differ, a line on that tax moves the base to the
    nearest one Tryton rounds to Shopify's VAT, and an untaxed line gives the net back: net, VAT and
    gross then equal Shopify's. With per-line rounding nothing is moved.
    """
    if look.tax_rounding != "document":
        return values
    groups = tr.tax_groups(values, _shopify_taxes(order), look.taxes)
    moves = tr.vat_rounding_moves(groups)
    extra: list[dict[str, Any]] = []
    for tax_id, moved in sorted(moves.items()):
        extra.append(_rounding_line(moved, [tax_id], "VAT rounding: Shopify's VAT kept"))
        extra.append(_rounding_line(-moved, [], "VAT rounding: net given back"))
    return [*values, *extra]


def _shopify_taxes(order: SalesOrderRequest) -> list[Decimal]:
    """Shopify's tax per line, in the order :func:`line_values` makes them (items, then shipping)."""
    taxes = [line.tax.amount for line in order.lines]
    if order.shipping is not None and not order.shipping.is_zero():
        taxes.append(order.shipping_tax.amount if order.shipping_tax else Decimal(0))
    return taxes


def _rounding_line(amount: Decimal, taxes: list[int], description: str) -> dict[str, Any]:
    line: dict[str, Any] = {"type": "line", "quantity": 1.0, "unit_price": amount, "description": description}
    if taxes:
        line["taxes"] = [["add", taxes]]
    return line


def _shipping_values(look: Lookups, order: SalesOrderRequest, shipping: Money) -> dict[str, Any]:
    """Shipping as a line without product: Tryton invoices it to the default revenue account."""
    tax = order.shipping_tax.amount if order.shipping_tax else Decimal(0)
    return {
        "type": "line",
        "quantity": 1.0,
        "unit_price": shipping.amount,
        "description": f"Shipping: {order.shipping_method or 'standard'}",
        "taxes": [["add", look.tax_for(shipping.amount, tax)]],
    }


def _line_values(look: Lookups, line: SalesOrderLine, product: ProductRef) -> dict[str, Any]:
    net = line.unit_price.amount * line.quantity
    return {
        "type": "line",
        "product": product.id,
        "quantity": float(line.quantity),
        "unit": product.unit,
        "unit_price": line.unit_price.amount,
        "description": line.description or product.sku,
        "taxes": [["add", look.tax_for(net, line.tax.amount)]],
    }


def advance(look: Lookups, sale: dict[str, Any]) -> None:
    """Move a sale on to confirmed (and so processed) from wherever a crash left it."""
    sale_id = int(sale["id"])
    for step in ADVANCE.get(str(sale.get("state")), ()):
        try:
            look.rpc.model("sale.sale", step, [sale_id])
        except NeedsPerson as refused:
            over = credit.confirm_refusal(look, sale_id, refused) if step == "confirm" else None
            if over is None:
                raise
            raise over from refused


def _discard(look: Lookups, sale_id: int) -> None:
    """Remove a sale Tryton refused, so the order's next attempt is a clean create."""
    for step in ("draft", "delete"):
        try:
            look.rpc.model("sale.sale", step, [sale_id])
        except ShopbridgeError:
            continue


def posted(sale: dict[str, Any], *, existed: bool = False) -> PostedDocument:
    return PostedDocument(
        str(sale["id"]),
        str(sale.get("number") or ""),
        existed=existed,
        extra={"state": str(sale.get("state"))},
    )


# --- credit notes ----------------------------------------------------------------------------------


def count_credit_notes(look: Lookups, order_reference: str) -> int:
    sale = find_sale(look, order_reference)
    if sale is None:
        return 0
    return len(
        look.search_read(
            "account.invoice",
            [("sales", "in", [int(sale["id"])]), ("type", "=", "out"), ("total_amount", "<", 0)],
            ["id"],
        )
    )


def create_credit_note(look: Lookups, note: CreditNote) -> PostedDocument:
    found = look.search_read(
        "account.invoice",
        [("type", "=", "out"), ("reference", "=", note.refund_reference), ("state", "!=", "cancelled")],
        ["number", "state"],
    )
    if found and found[0].get("state") != "draft":
        return PostedDocument(str(found[0]["id"]), str(found[0].get("number") or ""), existed=True)
    if found:  # an earlier attempt created it but its post was refused or cut off: finish it
        invoice_id = int(found[0]["id"])
    else:
        sale = find_sale(look, note.order_reference)
        if sale is None:
            raise NeedsPerson(
                f"credit note {note.refund_reference}: Tryton has no sale {note.order_reference}"
            )
        invoice_id = _create_invoice(look, note, sale)
    _post_in_sequence(look, invoice_id, note.issued_on or datetime.now(UTC).date())
    posted = look.search_read("account.invoice", [("id", "=", invoice_id)], ["number"])
    return PostedDocument(str(invoice_id), str(posted[0].get("number") or ""), existed=bool(found))


_SEQUENCE_ATTEMPTS = 5


def _post_in_sequence(look: Lookups, invoice_id: int, wanted: date) -> None:
    """Post the invoice, dated no earlier than the latest one Tryton has numbered.

    Two workers may post credit notes at once: one can number a later-dated invoice between our
    reading the latest date and our post, and Tryton then refuses ours ("you must set an invoice
    date after ..."). That refusal is about timing, not the refund, so re-date and post again.
    """
    for attempt in range(_SEQUENCE_ATTEMPTS):
        dated = _invoice_date(look, wanted)
        look.rpc.model("account.invoice", "write", [invoice_id], {"invoice_date": dated})
        try:
            look.rpc.model("account.invoice", "post", [invoice_id])
            return
        except NeedsPerson as refused:
            if not _is_sequence_date_refusal(refused) or attempt == _SEQUENCE_ATTEMPTS - 1:
                raise


def _is_sequence_date_refusal(refused: NeedsPerson) -> bool:
    return "invoice date after" in str(refused.details.get("tryton_message", refused))


def _create_invoice(look: Lookups, note: CreditNote, sale: dict[str, Any]) -> int:
    currency_id, code = look.currency
    if note.currency != code:
        raise NeedsPerson(f"credit note {note.refund_reference} is in {note.currency}; Tryton uses {code}")
    values = {
        "type": "out",
        "party": int(sale["party"]),
        "invoice_address": sale.get("invoice_address"),
        "reference": note.refund_reference,
        "description": f"Refund of {note.order_reference}",
        "account": look.default_receivable(),
        "journal": look.journal("revenue"),
        "currency": currency_id,
        "invoice_date": note.issued_on or datetime.now(UTC).date(),
        "lines": [["create", _credit_lines(look, note, sale)]],
    }
    created = look.rpc.model("account.invoice", "create", [values])
    return int(created[0])


def _invoice_date(look: Lookups, wanted: date) -> date:
    """The refund's date, or the latest customer invoice date already numbered if that is later.

    Tryton numbers customer invoices and credit notes from one sequence whose dates may not go
    backwards ("you must set an invoice date after ..."): a refund credited after a later one was
    posted (a sweep finding it late, a retry) is dated on that later day, not refused.
    """
    later = look.search_read(
        "account.invoice",
        [("type", "=", "out"), ("number", "!=", None), ("invoice_date", ">", wanted.isoformat())],
        ["invoice_date"],
        order=[["invoice_date", "DESC"]],
        limit=1,
    )
    if not later:
        return wanted
    found = later[0]["invoice_date"]
    return found if isinstance(found, date) else date.fromisoformat(str(found)[:10])


def _credit_lines(look: Lookups, note: CreditNote, sale: dict[str, Any]) -> list[dict[str, Any]]:
    lines = sale_lines(look, sale)
    origin = {str((ln.get("product.") or {}).get("suffix_code")): int(ln["id"]) for ln in lines}
    sold = {sku for sku in origin if sku and sku != "None"}  # an appeasement credits the sale's revenue
    products = look.products(sorted({ln.sku for ln in note.lines} | sold))
    values = [
        _credit_line(look, ln.sku, ln.quantity, ln.net.amount, ln.tax.amount, products, origin)
        for ln in note.lines
    ]
    extras = _extras(note)
    for description, net, tax in extras:
        values.append(_extra_line(description, net, tax, _any_revenue(products.values()), look))
    shopify_taxes = [-ln.tax.amount for ln in note.lines] + [-tax for _what, _net, tax in extras]
    return _credit_vat_rounding(look, values, shopify_taxes, products)


def _credit_vat_rounding(
    look: Lookups, values: list[dict[str, Any]], shopify_taxes: list[Decimal], products: dict[str, ProductRef]
) -> list[dict[str, Any]]:
    """The credit's lines, plus the pair keeping Shopify's VAT where Tryton's rounding would not.

    As :func:`with_vat_rounding` does for a sale: the credit's VAT is Shopify's, to the penny.
    """
    if look.tax_rounding != "document" or not values:
        return values
    moves = tr.vat_rounding_moves(tr.tax_groups(values, shopify_taxes, look.taxes))
    account = _any_revenue(products.values()) if moves else 0
    extra: list[dict[str, Any]] = []
    for tax_id, moved in sorted(moves.items()):
        extra.append(
            {**_rounding_line(moved, [tax_id], "VAT rounding: Shopify's VAT kept"), "account": account}
        )
        extra.append({**_rounding_line(-moved, [], "VAT rounding: net given back"), "account": account})
    return [*values, *extra]


def _extras(note: CreditNote) -> list[tuple[str, Decimal, Decimal]]:
    """Refunded shipping and the adjustment (order adjustments, refund discrepancy), with their tax."""
    zero = Decimal(0)
    extras = (
        ("Shipping refund", note.shipping, note.shipping_tax),
        ("Refund adjustment", note.adjustment, note.adjustment_tax),
    )
    return [
        (description, net.amount if net else zero, tax.amount if tax else zero)
        for description, net, tax in extras
        if (net is not None and not net.is_zero()) or (tax is not None and not tax.is_zero())
    ]


def _credit_line(
    look: Lookups,
    sku: str,
    quantity: int,
    net: Decimal,
    tax: Decimal,
    products: dict[str, ProductRef],
    origin: dict[str, int],
) -> dict[str, Any]:
    product = products.get(sku)
    if product is None or product.revenue_account is None:
        raise NeedsPerson(f"credit note line {sku}: no such product in Tryton, or it has no revenue account")
    values: dict[str, Any] = {
        "type": "line",
        "product": product.id,
        "quantity": float(-quantity),
        "unit": product.unit,
        "unit_price": (net / quantity).quantize(Decimal("0.0001")),
        "account": product.revenue_account,
        "description": f"Refund {sku}",
        "taxes": [["add", look.tax_for(net, tax)]],
    }
    if sku in origin:
        values["origin"] = f"sale.line,{origin[sku]}"
    return values


def _extra_line(description: str, net: Decimal, tax: Decimal, account: int, look: Lookups) -> dict[str, Any]:
    values: dict[str, Any] = {
        "type": "line",
        "quantity": -1.0,
        "unit_price": net,
        "account": account,
        "description": description,
    }
    taxes = look.tax_for(net, tax)
    if taxes:
        values["taxes"] = [["add", taxes]]
    return values


def _any_revenue(products: Sequence[ProductRef] | Any) -> int:
    for product in products:
        if product.revenue_account:
            return int(product.revenue_account)
    raise NeedsPerson("no revenue account to credit shipping against; give the products an account category")
