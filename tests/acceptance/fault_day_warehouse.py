"""The fault day's second half: the warehouse despatches posted orders in the Sage 200 sandbox, the
merchant refunds in the Shopify sandbox; and the readers that judge both from the sandboxes' own state.

Despatches are made as the Sage 200 clerk makes them (``Sage200Sandbox.despatch``): a whole order, a
whole order in several parcels (consignment numbers separated by commas), an order in two parts (a
split), and part of an order with the rest left on the shelf. Refunds are ``refundCreate`` on the
Shopify sandbox's state, so their ``refunds/create`` webhooks go through the same lossy delivery.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fault_day_stack import FaultDay

from shopbridge.demo.refunds_day import make_refund
from shopbridge.sandbox.shopify import order_figures as fig
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.seed import BUNDLE

COURIER = "Royal Mail"
STANDARD = "EnumLineTypeStandard"  # the Sage 200 sandbox's line type of a stock item
PENNY = Decimal("0.01")


@dataclass
class Warehouse:
    """The despatches and refunds this half of the day made, by case (order names)."""

    rng: random.Random
    despatched: dict[str, list[str]] = field(
        default_factory=lambda: {"whole": [], "parcels": [], "split": [], "partial": []}
    )
    refunded: dict[str, list[str]] = field(
        default_factory=lambda: {"line": [], "shipping_only": [], "second": [], "before_posting": []}
    )
    numbers: int = 0

    def tracking(self) -> str:
        self.numbers += 1
        return f"FD{self.numbers:07d}GB"


# --- despatching -----------------------------------------------------------------------------------


def despatchable(day: FaultDay) -> dict[str, dict[str, int]]:
    """Orders whose ERP lines match Shopify's open units exactly (nothing fulfilled, refunded or
    cancelled in Shopify, every line shipped, no bundle): name -> SKU -> units."""
    with day.sage.state.lock:
        erp = {str(o.get("customer_document_no")): _outstanding(o) for o in day.sage.state.all("sop_orders")}
    found: dict[str, dict[str, int]] = {}
    with day.shopify.state.lock:
        for order in sorted(day.shopify.state.orders.values(), key=lambda o: str(o["name"])):
            lines = order["line_items"]
            changed = any(ln["fulfilled"] or ln["refunded"] for ln in lines)
            untouched = not order["cancelled_at"] and not changed
            plain = all(ln.get("sku") not in (None, "", BUNDLE[1]) for ln in lines)
            shipped = plain and all(ln["requires_shipping"] for ln in lines)
            if not (untouched and shipped and order["name"] in erp):
                continue
            units: Counter[str] = Counter()
            for line in lines:
                units[str(line["sku"])] += fig.current_quantity(line)
            wanted = {sku: n for sku, n in units.items() if n > 0}
            if wanted and wanted == erp[order["name"]]:
                found[str(order["name"])] = wanted
    return found


def _outstanding(order: dict[str, Any]) -> dict[str, int]:
    units: Counter[str] = Counter()
    for line in order.get("lines", []):
        if line.get("line_type") == STANDARD:
            left = Decimal(str(line.get("line_quantity") or 0)) - Decimal(
                str(line.get("despatch_receipt_quantity") or 0)
            )
            units[str(line.get("code"))] += int(left)
    return {code: n for code, n in units.items() if n > 0}


def despatch_first_parts(day: FaultDay, house: Warehouse, orders: dict[str, dict[str, int]]) -> None:
    """Each case's first despatch: whole orders, whole orders in two parcels, the first part of a
    split, and a part of an order whose rest stays in the warehouse."""
    names = sorted(orders)
    house.rng.shuffle(names)
    several = [n for n in names if sum(orders[n].values()) >= 2]
    house.despatched["split"] = several[:12]
    house.despatched["partial"] = several[12:20]
    single = [n for n in names if n not in several[:20]]
    house.despatched["whole"] = single[:20]
    house.despatched["parcels"] = single[20:30]
    for name in house.despatched["whole"]:
        _despatch(day, name, house.tracking())
    for name in house.despatched["parcels"]:
        _despatch(day, name, f"{house.tracking()}, {house.tracking()}")
    for name in house.despatched["split"] + house.despatched["partial"]:
        first = sorted(orders[name])[0]
        _despatch(day, name, house.tracking(), {first: 1})


def despatch_the_rest_of_splits(day: FaultDay, house: Warehouse) -> None:
    for name in house.despatched["split"]:
        _despatch(day, name, house.tracking())


def _despatch(day: FaultDay, name: str, consignment: str, quantities: dict[str, int] | None = None) -> None:
    day.sage.despatch(name, courier=COURIER, consignment=consignment, quantities=quantities)


# --- refunding -------------------------------------------------------------------------------------


def refund_posted(day: FaultDay, house: Warehouse, avoid: set[str]) -> None:
    """Partial line refunds and shipping-only refunds of posted orders not being despatched, and a
    shipping-only refund of a few despatched ones (their lines stay the warehouse's)."""
    with day.sage.state.lock:
        posted = {str(o.get("customer_document_no")) for o in day.sage.state.all("sop_orders")}
    candidates = [o for o in _paid_open_orders(day) if o["name"] in posted and o["name"] not in avoid]
    house.rng.shuffle(candidates)
    for order in candidates[:25]:
        line = max(order["line_items"], key=fig.refundable_quantity)
        refunded = fig.refundable_quantity(line) >= 1
        if refunded and _refund(day, order["id"], [(line["id"], 1)], shipping=False):
            house.refunded["line"].append(str(order["name"]))
    shipped = [o for o in candidates[25:] if o["shipping_lines"]][:10]
    shipped += [o for o in _paid_open_orders(day) if o["name"] in avoid and o["shipping_lines"]][:5]
    for order in shipped:
        if _refund(day, order["id"], [], shipping=True):
            house.refunded["shipping_only"].append(str(order["name"]))


def refund_again(day: FaultDay, house: Warehouse) -> None:
    """A second refund on orders refunded earlier today (several refunds of one order)."""
    with day.shopify.state.lock:
        by_name = {str(o["name"]): o for o in day.shopify.state.orders.values()}
    for name in house.refunded["line"][:8]:
        order = by_name[name]
        with day.shopify.state.lock:
            left = [ln for ln in order["line_items"] if fig.refundable_quantity(ln) >= 1]
        if left and _refund(day, order["id"], [(left[0]["id"], 1)], shipping=False):
            house.refunded["second"].append(name)


def refund_before_posting(day: FaultDay, house: Warehouse, orders: int) -> None:
    """New paid orders, each refunded in part at once: while no worker runs, so before shopbridge can
    post them (their refunds wait for their orders)."""
    for n in range(orders):
        order = place_order(
            day.shopify.state,
            {
                "lines": [{"sku": "TEE-M", "quantity": 2}, {"sku": "BOTTLE-01", "quantity": 1}],
                "shipping": {"title": "Standard", "price": "3.95", "code": "STD"},
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": True,
                "gateway": "shopify_payments",
                "payment": "paid",
                "customer": {"email": f"early.{n}@example.com", "firstName": "Ezra", "lastName": f"Early{n}"},
            },
        )
        with day.shopify.state.lock:
            tee = next(line for line in order["line_items"] if line["sku"] == "TEE-M")
        if _refund(day, order["id"], [(tee["id"], 1)], shipping=n % 2 == 0):
            house.refunded["before_posting"].append(str(order["name"]))


def _paid_open_orders(day: FaultDay) -> list[dict[str, Any]]:
    with day.shopify.state.lock:
        return [
            o
            for o in sorted(day.shopify.state.orders.values(), key=lambda o: str(o["name"]))
            if not o["cancelled_at"] and any(t["kind"] in ("SALE", "CAPTURE") for t in o["transactions"])
        ]


def _refund(day: FaultDay, order_id: str, lines: list[tuple[str, int]], *, shipping: bool) -> bool:
    """``refundCreate`` of what those units (and the shipping) cost the customer; False if refused."""
    no_restock = [(line_id, qty, "NO_RESTOCK") for line_id, qty in lines]
    return make_refund(
        day.shopify.state,
        order_id,
        no_restock,
        shipping=shipping,
        note="fault day refund",
        at_order_location=False,
    )


# --- reading the sandboxes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Despatch:
    """One Sage 200 despatch receipt: its order, consignment numbers and units per item code."""

    number: str
    order: str
    tracking: frozenset[str]
    units: dict[str, int]


@dataclass(frozen=True)
class Fulfilment:
    """One live Shopify fulfilment: its order, tracking numbers, carrier and units per SKU."""

    id: str
    order: str
    tracking: frozenset[str]
    company: str
    units: dict[str, int]


def erp_despatches(day: FaultDay) -> list[Despatch]:
    state = day.sage.state
    with state.lock:
        lines = [dict(r) for r in state.all("despatch_lines")]
        receipts = [dict(r) for r in state.all("sop_despatch_receipts")]
    found = []
    for receipt in receipts:
        mine = [ln for ln in lines if ln["sop_despatch_id"] == receipt["id"]]
        units: Counter[str] = Counter()
        for line in mine:
            quantity = Decimal(str(line["sop_despatch_line_quantity"]))
            units[str(line["sop_order_line_item_code"])] += int(quantity)
        numbers = frozenset(p.strip() for p in str(receipt["consignment_no"]).split(",") if p.strip())
        order = str(mine[0]["sop_order_customer_document_no"]) if mine else ""
        found.append(Despatch(str(receipt["despatch_no"]), order, numbers, dict(units)))
    return found


def shopify_fulfilments(day: FaultDay) -> list[Fulfilment]:
    state = day.shopify.state
    found = []
    with state.lock:
        for fulfilment in state.fulfillments.values():
            if fulfilment["status"] != "SUCCESS":
                continue
            order = state.orders[fulfilment["order_id"]]
            sku_of = {line["id"]: str(line["sku"]) for line in order["line_items"]}
            units: Counter[str] = Counter()
            for item in fulfilment["line_items"]:
                units[sku_of[item["line_item_id"]]] += int(item["quantity"])
            found.append(
                Fulfilment(
                    str(fulfilment["id"]),
                    str(order["name"]),
                    frozenset(fulfilment["tracking_numbers"]),
                    str(fulfilment["tracking_company"] or ""),
                    dict(units),
                )
            )
    return found


@dataclass(frozen=True)
class ShopifyRefund:
    gid: str
    order_id: str
    order: str
    total: Decimal
    before_cancel: bool


def shopify_refunds(day: FaultDay) -> list[ShopifyRefund]:
    """Each refund: its order, what it refunded (its transactions), whether it came before any
    cancel of its order (a cancel's own refund credits nothing: the ERP order goes instead)."""
    state = day.shopify.state
    found = []
    with state.lock:
        for gid, refund in state.refunds.items():
            order = state.orders[refund["order_id"]]
            paid = [t for t in order["transactions"] if t["id"] in refund["transaction_ids"]]
            before_cancel = not order["cancelled_at"] or refund["created_at"] < order["cancelled_at"]
            total = sum((Decimal(t["amount"].shop) for t in paid), Decimal(0))
            found.append(ShopifyRefund(gid, str(order["id"]), str(order["name"]), total, before_cancel))
    return found


def erp_credit_notes(day: FaultDay) -> dict[str, list[Decimal]]:
    """The Sage 200 sandbox's credit notes per Shopify refund (numeric id, the note's reference): the
    gross of each."""
    state = day.sage.state
    with state.lock:
        notes = state.find("sales_posted_transactions", trader_transaction_type="Credit Note")
        found: dict[str, list[Decimal]] = {}
        for note in notes:
            gross = Decimal(str(note["document_gross_value"])).quantize(PENNY)
            found.setdefault(str(note["reference"]), []).append(gross)
    return found


def erp_order_names(day: FaultDay) -> set[str]:
    with day.sage.state.lock:
        return {str(o.get("customer_document_no")) for o in day.sage.state.all("sop_orders")}
