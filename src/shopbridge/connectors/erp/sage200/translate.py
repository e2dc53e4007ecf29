"""Canonical records <-> Sage 200 JSON. Pure: no I/O, no clock; table-tested.

Choices (each one forced or allowed by the spec):
- free stock is ``free_stock_available_less_reserved``: reserved stock is promised to named customers
  or orders inside Sage; offering it on Shopify would sell it twice.
- the Shopify order name travels in ``customer_document_no`` (≤ 30), the dedup key
  (``external_reference`` is read-only in the spec).
- a credit note carries the Shopify refund key in ``reference`` (≤ 20) and the order's Shopify
  name in ``second_reference`` (≤ 20); ``GET /sales_posted_transactions`` finds it by reference.
- amounts are sent as JSON numbers (the spec types them ``number``), built from exact decimals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    CreditNote,
    Dispatch,
    DispatchLine,
    Item,
    ItemStatus,
    SalesOrder,
    SalesOrderLine,
    SalesOrderRequest,
    SalesOrderStatus,
    StockLevel,
)
from shopbridge.errors import NeedsPerson

JsonObject = dict[str, Any]
BASE_CURRENCY = "GBP"  # Sage 200 UK: documents without a currency object are in the base currency
STANDARD_LINE = "EnumLineTypeStandard"
CHARGE_LINE = "EnumLineTypeFreeText"
ACTIVE_STATUS = "active"
CANCELLED = "full"
REFERENCE_MAX = 20


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    """The UTC form Sage's ``$filter`` wants (``2019-12-16T09:03:10.325Z``)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def day_start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def number(value: Decimal) -> float:
    """A JSON number from an exact decimal, rounded to the spec's 2 (money) or 5 (quantity) places."""
    return float(value)


def dec(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


# --- items and stock -----------------------------------------------------------------------------
def item_from_product(row: Mapping[str, Any], price: Money | None = None) -> Item:
    active = str(row.get("product_status_type", "")).lower() == ACTIVE_STATUS and row.get(
        "allow_sales_order", True
    )
    updated = row.get("date_time_updated")
    return Item(
        sku=str(row["code"]),
        description=str(row.get("name") or row.get("description") or ""),
        status=ItemStatus.ACTIVE if active else ItemStatus.INACTIVE,
        erp_id=str(row["id"]),
        unit_price=price,
        tax_code=str(row.get("tax_code_id", "")),
        updated_at=parse_time(updated) if updated else None,
        barcode=str(row.get("barcode") or "").strip(),
        weight_kg=_weight(row.get("weight")),
    )


def _weight(value: Any) -> Decimal | None:
    """Sage's weight per stock unit, in kilograms; 0 is Sage's "not weighed", not a weight."""
    weight = dec(value)
    return weight.normalize() if weight > 0 else None


def stock_from_holding(row: Mapping[str, Any], sku: str) -> StockLevel:
    free = row.get("free_stock_available_less_reserved", row.get("free_stock_available", 0))
    updated = row.get("date_time_updated")
    return StockLevel(
        sku=sku,
        warehouse=str(row.get("warehouse_name") or row.get("warehouse_id")),
        free=dec(free),
        on_hand=dec(row.get("quantity_in_stock")),
        allocated=dec(row.get("quantity_allocated")),
        updated_at=parse_time(updated) if updated else None,
    )


# --- sales orders --------------------------------------------------------------------------------
def tax_code_id(line: SalesOrderLine, tax_codes: Sequence[Mapping[str, Any]]) -> int:
    """The Sage tax code of a line: its own code if given (Sage's numeric code), else by VAT rate."""
    if line.tax_code:
        for code in tax_codes:
            if str(code.get("code")) == line.tax_code or str(code.get("id")) == line.tax_code:
                return int(code["id"])
        raise NeedsPerson(f"Sage 200 has no tax code {line.tax_code!r} (line {line.sku})")
    net = line.unit_price.amount * line.quantity
    matches = sorted(
        (c for c in tax_codes if _explains(dec(c.get("tax_rate")), net, line.tax.amount)),
        key=lambda c: (abs(net * dec(c.get("tax_rate")) / 100 - line.tax.amount), int(c.get("code", 0))),
    )
    if not matches:
        rate = (line.tax.amount / net * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if net else Decimal(0)
        raise NeedsPerson(
            f"no Sage 200 tax code has a rate near {rate}% (line {line.sku}); add one or map the tax code"
        )
    return int(matches[0]["id"])


def _explains(rate: Decimal, net: Decimal, tax: Decimal) -> bool:
    """Whether ``rate`` on ``net`` gives Shopify's ``tax`` to within rounding.

    Shopify rounds each tax to the penny (and works VAT out of a VAT-inclusive price), so the rate
    read back from two rounded amounts is rarely exact: 3.95 with VAT inside is 3.29 + 0.66, 20.06%.
    Two pennies allow for that rounding and for a bundle's share, apportioned once more; of the codes
    within them the closest wins.
    """
    if not net:
        return tax == 0 and rate == 0
    return abs(net * rate / 100 - tax) <= Decimal("0.01") * 2


def order_lines(
    order: SalesOrderRequest,
    products: Mapping[str, Mapping[str, Any]],
    warehouses: Mapping[str, int],
    tax_codes: Sequence[Mapping[str, Any]],
    default_warehouse: str,
) -> list[JsonObject]:
    merged = merge_split_lines(order.lines)
    carriage = _carriage(order)
    pinned, moved = pin_vat([*merged, *([carriage] if carriage else [])], tax_codes)
    goods, charges = pinned[: len(merged)], pinned[len(merged) :]
    lines = [
        _stock_line(
            ln, products[ln.sku], warehouses, tax_codes, ln.warehouse or order.warehouse or default_warehouse
        )
        for ln in goods
    ]
    lines.extend(_charge_line(ln, order.shipping_method or "Carriage", tax_codes) for ln in charges)
    if moved:
        lines.append(_rounding_line(order.currency, moved, tax_codes))
    return lines


PENNY = Decimal("0.01")


def pin_vat(
    lines: Sequence[SalesOrderLine], tax_codes: Sequence[Mapping[str, Any]]
) -> tuple[list[SalesOrderLine], Decimal]:
    """Lines re-priced so that the VAT Sage works out on each is Shopify's, and the net they moved.

    Sage computes each line's VAT from its net (``line_tax_value`` is read-only), while Shopify works
    VAT out of a VAT-inclusive price: 7.95 of shipping is 6.62 + 1.33 to Shopify, but 6.62 + 1.32 to
    Sage. No net gives both, so the line takes the nearest net on which Sage charges Shopify's VAT
    (6.63) and a zero-rated rounding line gives the difference back (-0.01): net, VAT and gross then
    equal Shopify's to the penny. Without a zero-rated code in Sage, nothing is moved.
    """
    if _zero_rate_code(tax_codes) is None:
        return list(lines), Decimal(0)
    pinned, moved = [], Decimal(0)
    for line in lines:
        rate = _rate_of(line, tax_codes)
        net = (line.unit_price.amount * line.quantity).quantize(PENNY, ROUND_HALF_UP)
        target = _net_for_vat(net, rate, line.tax.amount)
        if target is None or target == net:
            pinned.append(line)
            continue
        pinned.append(replace(line, unit_price=Money(target / line.quantity, line.unit_price.currency)))
        moved += net - target
    return pinned, moved


def sage_vat(net: Decimal, rate: Decimal) -> Decimal:
    """VAT as Sage charges it on a line: the net times the rate, to the penny, half up."""
    return (net * rate / 100).quantize(PENNY, ROUND_HALF_UP)


def _net_for_vat(net: Decimal, rate: Decimal, vat: Decimal) -> Decimal | None:
    """The net nearest ``net`` on which Sage charges ``vat`` (``net`` itself when it already does)."""
    if sage_vat(net, rate) == vat:
        return net
    for pennies in range(1, 51):
        for candidate in (net + pennies * PENNY, net - pennies * PENNY):
            if sage_vat(candidate, rate) == vat:
                return candidate
    return None


def _rate_of(line: SalesOrderLine, tax_codes: Sequence[Mapping[str, Any]]) -> Decimal:
    wanted = tax_code_id(line, tax_codes)
    return next(dec(code.get("tax_rate")) for code in tax_codes if int(code["id"]) == wanted)


def _zero_rate_code(tax_codes: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    zero = sorted((c for c in tax_codes if dec(c.get("tax_rate")) == 0), key=lambda c: int(c.get("code", 0)))
    return zero[0] if zero else None


def _rounding_line(currency: str, amount: Decimal, tax_codes: Sequence[Mapping[str, Any]]) -> JsonObject:
    zero = _zero_rate_code(tax_codes)
    assert zero is not None  # pin_vat moves nothing without one
    return {
        "line_type": CHARGE_LINE,
        "product_id": 0,
        "warehouse_id": 0,
        "code": "ROUNDING",
        "description": f"VAT rounding: Shopify's VAT kept ({currency})",
        "line_quantity": 1,
        "selling_unit_price": number(amount),
        "tax_code_id": int(zero["id"]),
    }


def merge_split_lines(lines: Sequence[SalesOrderLine]) -> list[SalesOrderLine]:
    """Join the parts of one Shopify line back into one Sage line, priced to Sage's 5 decimals.

    The mapping splits a line whose net does not divide by its units into two lines a penny apart
    (ERPs that keep 2-decimal prices need that to be exact). Sage keeps 5, and computes each line's
    VAT itself (``line_tax_value`` is read-only): one line rounds once, as Shopify did, where two
    would round twice and drift a penny from Shopify's tax.
    """
    merged: list[SalesOrderLine] = []
    for line in lines:
        last = merged[-1] if merged else None
        if last is not None and _same_line(last, line):
            quantity = last.quantity + line.quantity
            net = last.unit_price * last.quantity + line.unit_price * line.quantity
            unit = Money(net.amount / quantity, net.currency)
            merged[-1] = replace(last, quantity=quantity, unit_price=unit, tax=last.tax + line.tax)
        else:
            merged.append(line)
    return merged


def _same_line(a: SalesOrderLine, b: SalesOrderLine) -> bool:
    return (a.sku, a.warehouse, a.tax_code, a.description) == (b.sku, b.warehouse, b.tax_code, b.description)


def _stock_line(
    line: SalesOrderLine,
    product: Mapping[str, Any],
    warehouses: Mapping[str, int],
    tax_codes: Sequence[Mapping[str, Any]],
    warehouse: str,
) -> JsonObject:
    if warehouse not in warehouses:
        raise NeedsPerson(
            f"Sage 200 has no warehouse {warehouse!r} (line {line.sku}); check erp.sage200.default_warehouse"
        )
    return {
        "line_type": STANDARD_LINE,
        "product_id": int(product["id"]),
        "warehouse_id": warehouses[warehouse],
        "code": line.sku,
        "description": (line.description or str(product.get("name") or line.sku))[:6000],
        "line_quantity": line.quantity,
        "selling_unit_price": number(line.unit_price.amount.quantize(Decimal("0.00001"))),
        "selling_unit_price_overridden": True,
        "tax_code_id": tax_code_id(line, tax_codes),
    }


def _carriage(order: SalesOrderRequest) -> SalesOrderLine | None:
    if order.shipping is None or not order.shipping.amount:
        return None
    tax = order.shipping_tax or Money.zero(order.currency)
    return SalesOrderLine(
        sku="CARRIAGE", quantity=1, unit_price=order.shipping, tax=tax, tax_code=order.shipping_tax_code
    )


def _charge_line(
    carriage: SalesOrderLine, description: str, tax_codes: Sequence[Mapping[str, Any]]
) -> JsonObject:
    """Carriage as a charge line (product and warehouse 0: the spec requires them only for stock lines)."""
    return {
        "line_type": CHARGE_LINE,
        "product_id": 0,
        "warehouse_id": 0,
        "code": carriage.sku,
        "description": description,
        "line_quantity": 1,
        "selling_unit_price": number(carriage.unit_price.amount.quantize(PENNY, ROUND_HALF_UP)),
        "tax_code_id": tax_code_id(carriage, tax_codes),
    }


def order_body(order: SalesOrderRequest, customer_id: int, lines: list[JsonObject]) -> JsonObject:
    body: JsonObject = {
        "customer_id": customer_id,
        "document_no": "",  # numbered by Sage (ignored on POST when Sage generates numbers)
        "customer_document_no": order.reference,
        "document_date": day_start(order.order_date),
        "lines": lines,
    }
    if order.delivery_address is not None:
        addr = order.delivery_address
        body["delivery_address"] = {
            k: v[:60]
            for k, v in {
                "postal_name": addr.name or addr.company,
                "address_1": addr.line1,
                "address_2": addr.line2,
                "city": addr.city,
                "county": addr.region,
                "postcode": addr.postcode[:10],
                "country": addr.country_code,
            }.items()
            if v
        }
    return body


def order_status(row: Mapping[str, Any]) -> SalesOrderStatus:
    if str(row.get("cancelled_status", "")).lower() == CANCELLED:
        return SalesOrderStatus.CANCELLED
    despatch = str(row.get("despatch_receipt_status", "")).lower()
    if despatch == "complete":
        return SalesOrderStatus.DISPATCHED
    if despatch in ("part", "partial"):
        return SalesOrderStatus.PART_DISPATCHED
    return SalesOrderStatus.OPEN


def sales_order_from_sage(row: Mapping[str, Any], account: str) -> SalesOrder:
    lines = tuple(
        SalesOrderLine(
            sku=str(ln["code"]),
            quantity=int(dec(ln.get("line_quantity"))),
            unit_price=Money(dec(ln.get("selling_unit_price")), BASE_CURRENCY),
            tax=Money(dec(ln.get("line_tax_value")), BASE_CURRENCY),
            description=str(ln.get("description", "")),
        )
        for ln in row.get("lines", [])
        if ln.get("line_type") == STANDARD_LINE
    )
    return SalesOrder(
        erp_id=str(row["id"]),
        reference=str(row.get("customer_document_no", "")),
        customer_account=account,
        status=order_status(row),
        lines=lines,
        erp_number=str(row.get("document_no", "")),
        extra={"customer_id": str(row.get("customer_id", ""))},
    )


def cancel_body(row: Mapping[str, Any]) -> JsonObject:
    """A PUT that deletes every line and records it as cancelled (Sage keeps ``sop_cancelled_lines``)."""
    keep = ("line_type", "product_id", "warehouse_id", "code", "description", "line_quantity")
    lines = [
        {**{k: ln[k] for k in keep if k in ln}, "is_to_delete": True, "create_cancelled_line": True}
        for ln in row.get("lines", [])
    ]
    return {"customer_id": row["customer_id"], "document_no": row.get("document_no", ""), "lines": lines}


# --- despatches ----------------------------------------------------------------------------------
def dispatch_from_sage(receipt: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> Dispatch:
    reference = next(
        (
            str(ln["sop_order_customer_document_no"])
            for ln in lines
            if ln.get("sop_order_customer_document_no")
        ),
        "",
    )
    tracking_url = next(
        (str(ln["sys_courier_tracking_url"]) for ln in lines if ln.get("sys_courier_tracking_url")), ""
    )
    when = receipt.get("despatch_date") or receipt.get("date_time_created")
    consignment = str(receipt.get("consignment_no") or "")
    return Dispatch(
        erp_id=str(receipt["id"]),
        order_reference=reference,
        dispatched_at=parse_time(str(when)),
        lines=tuple(
            DispatchLine(
                sku=str(ln.get("product_code") or ln.get("sop_order_line_item_code")),
                quantity=int(dec(ln.get("sop_despatch_line_quantity"))),
            )
            for ln in lines
        ),
        carrier=str(receipt.get("courier_name") or ""),
        # One consignment field per despatch: several parcels are typed into it comma-separated.
        tracking_numbers=tuple(part.strip() for part in consignment.split(",") if part.strip()),
        tracking_url=tracking_url,
        warehouse=next((str(ln["warehouse_name"]) for ln in lines if ln.get("warehouse_name")), ""),
    )


# --- credit notes --------------------------------------------------------------------------------
def short_reference(text: str) -> str:
    """A reference that fits Sage's 20 characters: the id at the end of a GID, hashed if still too long."""
    tail = text.rsplit("/", 1)[-1]
    if len(tail) <= REFERENCE_MAX:
        return tail
    return hashlib.sha256(text.encode()).hexdigest()[:REFERENCE_MAX].upper()


def credit_note_parts(note: CreditNote) -> list[tuple[Decimal, Decimal]]:
    """The note's (net, tax) parts to analyse by tax code: goods with shipping, then the adjustment.

    The adjustment (order adjustments, a refund discrepancy, an appeasement) has its own rate, often
    none, so it is analysed apart rather than diluting the goods' rate. Never empty.
    """
    zero = Decimal(0)
    goods = note.goods_total.amount + (note.shipping.amount if note.shipping else zero)
    goods_tax = sum((ln.tax.amount for ln in note.lines), zero)
    goods_tax += note.shipping_tax.amount if note.shipping_tax else zero
    adjustment = note.adjustment.amount if note.adjustment else zero
    adjustment_tax = note.adjustment_tax.amount if note.adjustment_tax else zero
    parts = [(net, tax) for net, tax in ((goods, goods_tax), (adjustment, adjustment_tax)) if net or tax]
    return parts or [(zero, zero)]


def credit_note_body(
    note: CreditNote, customer_id: int, nominal: str, tax_codes: Sequence[int]
) -> JsonObject:
    """``tax_codes`` gives the Sage tax code of each of :func:`credit_note_parts`, in order."""
    goods = note.net_total.amount
    tax = note.tax_total.amount
    parts = credit_note_parts(note)
    body: JsonObject = {
        "customer_id": customer_id,
        "reference": short_reference(note.refund_reference),
        "second_reference": note.order_reference[:REFERENCE_MAX],
        "document_goods_value": number(goods),
        "document_tax_value": number(tax),
        "nominal_analysis_items": [
            {"code": nominal, "value": number(goods), "narrative": f"Refund on {note.order_reference}"[:6000]}
        ],
        "tax_analysis_items": [
            {"id": code, "goods_amount": number(net), "tax_amount": number(part_tax)}
            for code, (net, part_tax) in zip(tax_codes, parts, strict=True)
        ],
    }
    if note.issued_on is not None:
        body["transaction_date"] = day_start(note.issued_on)
    return body
