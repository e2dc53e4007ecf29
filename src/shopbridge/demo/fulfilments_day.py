"""The warehouse's part of the demo day: despatches in the ERP become fulfilments in Shopify.

Late in the day the warehouse despatches some of the posted orders, as a clerk does in each ERP: one
order in two parts (a partial despatch, then the rest: a split), the bundle order (its components),
and a few whole orders, each despatch with its own tracking number. The dispatch sweep brings them to
Shopify. The check then reads both sandboxes' own state: the ERP's despatches and Shopify's
fulfilments, paired by tracking number (shopbridge sends the ERP's consignment as the tracking
number); a despatch with more than one live fulfilment is a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import PrimaErp, SageErp, SysproErp
from shopbridge.engine.schema import problems as problem_rows
from shopbridge.sandbox.shopify.seed import BUNDLE
from shopbridge.sandbox.shopify.state import ShopState

__all__ = ["CARRIER", "despatch_day", "fulfilment_check"]

CARRIER = "Royal Mail"
PLAIN = 3  # whole orders despatched besides the split and the bundle
_PROBLEMS = ("fulfilment_rejected", "dispatch_unmatched", "unmapped_carrier")


def despatch_day(erp: DemoErp, shopify: ShopState, skip: set[str], sweep: Any) -> dict[str, list[str]]:
    """Despatch a split order in two parts, the bundle order and a few whole orders; ``sweep()`` runs
    the dispatch sweep and waits. Returns the order names per kind of despatch."""
    eligible = _eligible(erp, shopify, skip)
    bundle = [name for name, lines in eligible.items() if BUNDLE[1] in lines][:1]
    splittable = [name for name, lines in eligible.items() if _units(lines) >= 2 and name not in bundle][:1]
    plain = [name for name in eligible if name not in bundle and name not in splittable][:PLAIN]
    numbers = iter(range(100, 10_000))
    for name in splittable:
        first_sku = sorted(eligible[name])[0]
        despatch(erp, name, {first_sku: 1}, _tracking(next(numbers)))
    sweep()
    for name in splittable + bundle + plain:
        despatch(erp, name, None, _tracking(next(numbers)))
    sweep()
    return {"split": splittable, "bundle": bundle, "whole": plain}


def _tracking(number: int) -> str:
    return f"RM{number:09d}GB"


def _units(lines: Mapping[str, int]) -> int:
    return sum(lines.values())


def _eligible(erp: DemoErp, shopify: ShopState, skip: set[str]) -> dict[str, dict[str, int]]:
    """Orders posted and open in the ERP, untouched in Shopify since (not edited, cancelled, refunded
    or fulfilled there): name -> Shopify SKU -> units."""
    open_in_erp = {o.reference for o in erp.orders() if not o.cancelled}
    found: dict[str, dict[str, int]] = {}
    with shopify.lock:
        for order in sorted(shopify.orders.values(), key=lambda o: int(str(o["id"]).rsplit("/", 1)[-1])):
            lines = order["line_items"]
            untouched = not order["cancelled_at"] and not any(
                ln["fulfilled"] or ln["refunded"] for ln in lines
            )
            shippable = all(ln["requires_shipping"] and ln.get("sku") for ln in lines)
            if order["name"] in open_in_erp and order["name"] not in skip and untouched and shippable:
                found[order["name"]] = {ln["sku"]: int(ln["quantity"]) for ln in lines}
    return found


# -- despatching, as each ERP's warehouse does -----------------------------------------------------


def despatch(erp: DemoErp, reference: str, quantities: Mapping[str, int] | None, tracking: str) -> None:
    """Despatch everything outstanding on the order, or only ``quantities`` (Shopify SKU -> units;
    a bundle SKU stands for its components, as the ERP holds them)."""
    wanted = None if quantities is None else _components(quantities)
    if isinstance(erp, SageErp):
        erp.sandbox.despatch(reference, courier=CARRIER, consignment=tracking, quantities=wanted)
    elif isinstance(erp, SysproErp | PrimaErp):
        body: dict[str, Any] = {"reference": reference, "carrier": CARRIER, "tracking": tracking}
        if wanted is not None:
            body["quantities"] = wanted
        erp.sandbox.levers.apply("despatch", body)
    else:
        _tryton_despatch(erp, reference, wanted, f"{CARRIER}: {tracking}")


def _components(quantities: Mapping[str, int]) -> dict[str, int]:
    units: dict[str, int] = {}
    for sku, qty in quantities.items():
        parts = BUNDLE[3] if sku == BUNDLE[1] else ((sku, 1),)
        for part, per in parts:
            units[part] = units.get(part, 0) + qty * per
    return units


def _tryton_despatch(erp: Any, reference: str, quantities: dict[str, int] | None, label: str) -> None:
    """A Tryton clerk ships the sale's open shipment; for a part, its inventory moves carry only what
    leaves and Tryton makes a new shipment of the rest."""
    call = getattr(erp, "_call")  # noqa: B009 - the Tryton demo ERP's clerk call
    sales = call("sale.sale", "search_read", [("reference", "=", reference)], 0, None, None, ["shipments"])
    ids = [int(i) for sale in sales for i in sale["shipments"]]
    shipments = call("stock.shipment.out", "read", ids, ["state", "inventory_moves"])
    wanted = [int(s["id"]) for s in shipments if s["state"] not in ("done", "cancelled")]
    if quantities is not None:
        left = dict(quantities)
        moves = [m for s in shipments if int(s["id"]) in wanted for m in s["inventory_moves"]]
        for move in call("stock.move", "read", moves, ["product.suffix_code", "quantity"]):
            sku = str(move["product."]["suffix_code"])
            ship = min(left.get(sku, 0), int(move["quantity"]))
            left[sku] = left.get(sku, 0) - ship
            if ship == 0:
                call("stock.move", "delete", [move["id"]])
            elif ship < int(move["quantity"]):
                call("stock.move", "write", [move["id"]], {"quantity": float(ship)})
    call("stock.shipment.out", "write", wanted, {"reference": label})
    for step in ("assign_try", "pick", "pack", "do"):
        call("stock.shipment.out", step, wanted)


# -- the check ----------------------------------------------------------------------------------


def erp_despatches(erp: DemoErp) -> list[tuple[str, ...]]:
    """The tracking numbers of every despatch the ERP holds, read from its own state."""
    if isinstance(erp, SageErp):
        with erp.sandbox.state.lock:
            rows = erp.sandbox.state.all("sop_despatch_receipts")
            return [_split(str(r.get("consignment_no") or "")) for r in rows]
    if isinstance(erp, SysproErp):
        company = erp.sandbox.state.company
        with company.lock:
            return [_split(str(r.get("Waybill") or "")) for r in company.table("MdnMaster").values()]
    if isinstance(erp, PrimaErp):
        prima = erp.sandbox.state.company
        with prima.lock:
            return [_split(d.consignment) for d in prima.despatches]
    call = getattr(erp, "_call")  # noqa: B009 - the Tryton demo ERP's clerk call
    done = call("stock.shipment.out", "search_read", [("state", "=", "done")], 0, None, None, ["reference"])
    return [_split(str(r.get("reference") or "").partition(":")[2]) for r in done]


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def fulfilment_check(erp: DemoErp, shopify: ShopState, conn: sa.Connection) -> dict[str, Any]:
    """``dispatches_in_erp``, ``fulfilled_in_shopify`` (despatches with a live fulfilment carrying
    their tracking), ``duplicates`` (with more than one) and the open dispatch ``problems``."""
    despatches = erp_despatches(erp)
    with shopify.lock:
        live = [f for f in shopify.fulfillments.values() if f["status"] != "CANCELLED"]
        carried = [set(f["tracking_numbers"]) for f in live]
    matches = [
        sum(1 for numbers in carried if set(tracking) & numbers) for tracking in despatches if tracking
    ]
    problems = conn.execute(
        sa.select(sa.func.count())
        .select_from(problem_rows)
        .where(problem_rows.c.status == "open", problem_rows.c.kind.in_(_PROBLEMS))
    ).scalar()
    return {
        "dispatches_in_erp": len(despatches),
        "fulfilled_in_shopify": sum(1 for n in matches if n >= 1),
        "duplicates": sum(1 for n in matches if n > 1),
        "problems": int(problems or 0),
    }
