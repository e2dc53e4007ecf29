"""Pure translation between Tryton's records (as JSON-RPC returns them) and shopbridge's records.

No I/O here: the adapter fetches rows and these functions shape them. Also the feed cursor: Tryton
stamps every record with ``last_modified_at`` (write date, else create date). Transactions can
commit out of stamp order, so each read starts ``OVERLAP`` before the watermark and the cursor
remembers which ``(id, stamp)`` pairs it already returned inside that window; a change is therefore
returned once, and a record changed again (a new stamp) is returned again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    BundleComponent,
    Customer,
    Dispatch,
    DispatchLine,
    Item,
    ItemStatus,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
)
from shopbridge.errors import NeedsPerson

OVERLAP = timedelta(seconds=60)
Row = Mapping[str, Any]
Stamp = tuple[int, str]  # (record id, ISO stamp)


@dataclass(frozen=True)
class FeedCursor:
    """Where a feed stands: the newest stamp returned, the pairs seen near it, and for a first full
    listing (stock) the last id listed so far (``None`` once the listing is done)."""

    watermark: datetime | None = None
    seen: frozenset[Stamp] = frozenset()
    listing_after: int | None = None

    @property
    def since(self) -> datetime | None:
        return self.watermark - OVERLAP if self.watermark else None


def decode_cursor(text: str | None) -> FeedCursor:
    if not text:
        return FeedCursor()
    try:
        data = json.loads(base64.urlsafe_b64decode(text.encode()))
        mark = datetime.fromisoformat(data["w"]) if data.get("w") else None
        return FeedCursor(mark, frozenset((int(i), str(s)) for i, s in data.get("s", ())), data.get("l"))
    except (ValueError, KeyError, TypeError) as exc:
        raise NeedsPerson(f"not a Tryton feed cursor: {text[:60]!r}; reset the sweep watermark") from exc


def encode_cursor(cursor: FeedCursor) -> str:
    data = {
        "w": cursor.watermark.isoformat() if cursor.watermark else None,
        "s": sorted(cursor.seen),
        "l": cursor.listing_after,
    }
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def stamp_of(row: Row) -> datetime:
    """A row's change time: the newest of its own and its template's ``last_modified_at``."""
    stamps = [row.get("last_modified_at"), _nested(row, "template", "last_modified_at")]
    found = [s for s in stamps if isinstance(s, datetime)]
    if not found:
        raise NeedsPerson(f"Tryton record {row.get('id')} has no last_modified_at; is trytond >= 7.6?")
    return max(found)


def take_page(rows: Iterable[Row], cursor: FeedCursor, limit: int) -> tuple[list[Row], FeedCursor, bool]:
    """The next ``limit`` unseen rows in stamp order, the cursor after them, and whether more wait."""
    fresh = [r for r in rows if (int(r["id"]), stamp_of(r).isoformat()) not in cursor.seen]
    fresh.sort(key=lambda r: (stamp_of(r), int(r["id"])))
    page = fresh[:limit]
    mark = max([cursor.watermark, *(stamp_of(r) for r in page)], key=_orderable) if page else cursor.watermark
    seen = cursor.seen | {(int(r["id"]), stamp_of(r).isoformat()) for r in page}
    if mark is not None:
        floor = (mark - OVERLAP).isoformat()
        seen = frozenset(s for s in seen if s[1] >= floor)
    return page, FeedCursor(mark, frozenset(seen), cursor.listing_after), len(fresh) > limit


def _orderable(value: datetime | None) -> datetime:
    return value or datetime.min.replace(tzinfo=UTC)


def _nested(row: Row, *path: str) -> Any:
    """A dotted read comes back as ``{"template.": {...}}``; follow ``path`` through it."""
    value: Any = row
    for name in path[:-1]:
        value = value.get(f"{name}.") if isinstance(value, Mapping) else None
    return value.get(path[-1]) if isinstance(value, Mapping) else None


ITEM_FIELDS = (
    "suffix_code",
    "active",
    "type",
    "last_modified_at",
    "components",
    "template.name",
    "template.salable",
    "template.list_price",
    "template.last_modified_at",
)


def to_item(row: Row, currency: str, components: Sequence[BundleComponent] = ()) -> Item:
    """``active`` and the template's ``salable`` together decide whether Shopify may sell it."""
    sellable = bool(row.get("active")) and bool(_nested(row, "template", "salable"))
    price = _nested(row, "template", "list_price")
    return Item(
        sku=str(row["suffix_code"]),
        description=str(_nested(row, "template", "name") or ""),
        status=ItemStatus.ACTIVE if sellable else ItemStatus.INACTIVE,
        erp_id=str(row["id"]),
        unit_price=Money(price, currency) if isinstance(price, Decimal) else None,
        is_kit=row.get("type") == "kit",
        components=tuple(components),
        updated_at=stamp_of(row),
    )


def free_stock(quantity: Any, forecast: Any) -> Decimal:
    """Free to sell: on hand less what confirmed orders will take (Tryton's forecast), never above on hand."""
    on_hand, planned = Decimal(str(quantity or 0)), Decimal(str(forecast or 0))
    return min(on_hand, planned)


def order_status(row: Row) -> SalesOrderStatus:
    state, shipped = row.get("state"), row.get("shipment_state")
    if state == "cancelled" or (state == "done" and shipped == "none" and row.get("invoice_state") == "none"):
        return SalesOrderStatus.CANCELLED  # done with nothing shipped or invoiced: cancelled after processing
    if shipped == "sent":
        return SalesOrderStatus.DISPATCHED
    if shipped == "partially shipped":
        return SalesOrderStatus.PART_DISPATCHED
    if state == "done":
        return SalesOrderStatus.CLOSED
    return SalesOrderStatus.OPEN


def to_sales_order(row: Row, lines: Sequence[Row], currency: str) -> SalesOrder:
    return SalesOrder(
        erp_id=str(row["id"]),
        reference=str(row.get("reference") or ""),
        customer_account=str(_nested(row, "party", "code") or ""),
        status=order_status(row),
        lines=tuple(to_order_line(line, currency) for line in lines if _is_item_line(line)),
        erp_number=str(row.get("number") or ""),
        extra={"state": str(row.get("state")), "shipment_state": str(row.get("shipment_state"))},
    )


def _is_item_line(row: Row) -> bool:
    """Item lines only: shipping and comments are lines without a product, and a line an amendment
    removed keeps quantity 0 (Tryton cannot delete a line of a sale it has processed)."""
    return row.get("type", "line") == "line" and bool(row.get("product")) and bool(row.get("quantity"))


def to_order_line(row: Row, currency: str) -> SalesOrderLine:
    price = row.get("unit_price")
    quantity = Decimal(str(row.get("quantity") or 0))
    return SalesOrderLine(
        sku=str(_nested(row, "product", "suffix_code") or ""),
        quantity=int(quantity),
        unit_price=Money(price if isinstance(price, Decimal) else Decimal(0), currency),
        tax=Money(Decimal(0), currency),
        description=str(row.get("description") or ""),
    )


def shipment_reference(carrier: str, tracking: Sequence[str]) -> str:
    """Tryton (without the carrier modules) has one free-text ``reference`` on a customer shipment:
    we keep ``"<carrier>: <tracking>[, <tracking>]"`` there, as a clerk would type it."""
    return f"{carrier}: {', '.join(tracking)}" if carrier else ", ".join(tracking)


def parse_shipment_reference(text: str) -> tuple[str, tuple[str, ...]]:
    carrier, sep, rest = (text or "").partition(":")
    if not sep:
        carrier, rest = "", carrier
    numbers = tuple(part.strip() for part in rest.split(",") if part.strip())
    return carrier.strip(), numbers


def to_dispatch(shipment: Row, moves: Sequence[Row], order_reference: str, warehouse: str) -> Dispatch:
    carrier, numbers = parse_shipment_reference(str(shipment.get("reference") or ""))
    lines: dict[str, Decimal] = {}
    for move in moves:
        sku = str(_nested(move, "product", "suffix_code") or "")
        lines[sku] = lines.get(sku, Decimal(0)) + Decimal(str(move.get("quantity") or 0))
    return Dispatch(
        erp_id=str(shipment.get("number") or shipment["id"]),
        order_reference=order_reference,
        dispatched_at=stamp_of(shipment),
        lines=tuple(DispatchLine(sku, int(qty)) for sku, qty in lines.items()),
        carrier=carrier,
        tracking_numbers=numbers,
        warehouse=warehouse,
    )


def party_conflicts(party: Row, customer: Customer) -> tuple[str, ...]:
    """Fields where the ERP's party differs from what Shopify says (the ERP's record is kept)."""
    conflicts = []
    ours = f"{customer.first_name} {customer.last_name}".strip() or customer.company
    if ours and ours.casefold() != str(party.get("name") or "").strip().casefold():
        conflicts.append("name")
    phone = str(party.get("phone") or "")
    if customer.phone and phone and _digits(customer.phone) != _digits(phone):
        conflicts.append("phone")
    return tuple(conflicts)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def payout_description(reference: str, narrative: str) -> str:
    """The payout's dedup key leads the move description: ``"<reference> | <narrative>"``."""
    return f"{reference} | {narrative}" if narrative else reference


def is_payout(description: str, reference: str) -> bool:
    return description == reference or description.startswith(f"{reference} | ")


def tax_rate(net: Decimal, tax: Decimal) -> Decimal | None:
    """The tax rate a line carries (to pick the Tryton tax); ``None`` when untaxed."""
    if tax == 0 or net == 0:
        return None
    return (tax / net).quantize(Decimal("0.0001"))


PENNY = Decimal("0.01")


def tryton_round(amount: Decimal) -> Decimal:
    """Tryton's ``currency.round``: to the penny, half to even."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_EVEN)


def tax_groups(
    values: Sequence[Mapping[str, Any]], shopify_taxes: Sequence[Decimal], taxes: Mapping[Decimal, int]
) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """Per Tryton tax id: the base Tryton will add up, Shopify's tax on it, and the tax's rate."""
    rates = {tax_id: rate for rate, tax_id in taxes.items()}
    groups: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    for value, shopify_tax in zip(values, shopify_taxes, strict=True):
        for tax_id in _tax_ids(value):
            base, tax, rate = groups.get(tax_id, (Decimal(0), Decimal(0), rates[tax_id]))
            net = Decimal(str(value["unit_price"])) * Decimal(str(value["quantity"]))
            groups[tax_id] = (base + net, tax + shopify_tax, rate)
    return groups


def vat_rounding_moves(groups: Mapping[int, tuple[Decimal, Decimal, Decimal]]) -> dict[int, Decimal]:
    """The base to add to each tax so Tryton's rounding of its VAT gives Shopify's (0: none needed)."""
    moves: dict[int, Decimal] = {}
    for tax_id, (base, tax, rate) in groups.items():
        for pennies in range(0, 51):
            moved = next(
                (m for m in (pennies * PENNY, -pennies * PENNY) if tryton_round((base + m) * rate) == tax),
                None,
            )
            if moved is not None:
                if moved:
                    moves[tax_id] = moved
                break
    return moves


def _tax_ids(value: Mapping[str, Any]) -> list[int]:
    return [int(tax_id) for action, ids in value.get("taxes") or () if action == "add" for tax_id in ids]
