"""An ERP dispatch becomes a Shopify fulfilment: which fulfilment order lines, how many, from where.

Pure rules over records. The ERP knows its own SKUs (a bundle sold in Shopify is its components in
the ERP, as the order flow posted it); Shopify knows line items on fulfilment orders. The plan:

* **Lines.** Dispatched units of a SKU go to the order's plain lines of that SKU first, then to the
  bundle lines that hold it as a component. A partial or split dispatch fulfils what it carries; what
  is left stays open in Shopify for the next dispatch.
* **Bundles.** A bundle line is fulfilled once all of its components are dispatched. Component units
  dispatched short of a whole bundle are remembered (:data:`BundleProgress`, stored by the flow) and
  count towards the next dispatch.
* **Location.** A dispatch from a warehouse that ``[[shops]] locations`` maps to another location than
  the one Shopify assigned moves the fulfilment order lines there first, as Shopify requires.
* **Refusals** are typed (:class:`Refusal`): an order cancelled in Shopify, units Shopify no longer has
  open (fulfilled there already), a SKU the order does not hold, more than was ordered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shopbridge.domain.fulfilment_records import (
    FULFILLABLE,
    HELD,
    BundleProgress,
    Carrier,
    FulfilmentOrder,
    FulfilmentOrderLine,
    FulfilmentPlan,
    FulfilmentRequest,
    FulfilmentRules,
    Move,
    OrderedLine,
    OrderFulfilments,
    Refusal,
    RefusalKind,
    ShippedFulfilment,
)
from shopbridge.domain.records import BundleComponent, Dispatch

__all__ = [
    "BundleProgress",
    "Carrier",
    "FulfilmentOrder",
    "FulfilmentOrderLine",
    "FulfilmentPlan",
    "FulfilmentRequest",
    "FulfilmentRules",
    "Move",
    "OrderFulfilments",
    "OrderedLine",
    "Refusal",
    "RefusalKind",
    "ShippedFulfilment",
    "carrier_for",
    "find_created",
    "plan_fulfilment",
]

# -- carrier -------------------------------------------------------------------------------------


def carrier_for(erp_carrier: str, carriers: Mapping[str, str]) -> Carrier:
    """The Shopify carrier name for the ERP's courier; unmapped couriers go as a custom name."""
    name = erp_carrier.strip()
    lowered = {key.strip().lower(): value for key, value in carriers.items()}
    if name.lower() in lowered:
        return Carrier(lowered[name.lower()], mapped=True)
    return Carrier(name, mapped=not name)  # no courier at all is nothing to map


# -- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    """Where dispatched units of one ERP SKU may go: a plain line (per_bundle 0) or a bundle line."""

    line_item_id: str
    per_bundle: int


def plan_fulfilment(
    dispatch: Dispatch, order: OrderFulfilments, rules: FulfilmentRules, progress: BundleProgress
) -> FulfilmentPlan | Refusal:
    """The fulfilment for ``dispatch`` against the order as Shopify has it now, or why not."""
    if order.cancelled:
        return _refusal(RefusalKind.ORDER_CANCELLED, order)
    shipped = _units_by_sku(dispatch)
    slots = _slots(order, rules.bundles)
    unmatched = _unmatched(shipped, slots, order, rules.bundles)
    if unmatched is not None:
        return _refusal(unmatched[0], order, unmatched[1])
    remaining = _remaining(order)
    allocated = _allocate(shipped, slots, remaining, progress, rules.bundles, order)
    if isinstance(allocated, Refusal):
        return allocated
    line_units, new_progress = allocated
    carrier = carrier_for(dispatch.carrier, rules.carriers)
    if not line_units:
        return FulfilmentPlan({}, new_progress, carrier)
    targets = rules.locations.get(dispatch.warehouse, ()) if dispatch.warehouse else ()
    picked = _pick_lines(line_units, order, targets)
    if isinstance(picked, Refusal):
        return picked
    groups, moves = picked
    request = FulfilmentRequest(
        groups=groups,
        company=carrier.company,
        numbers=dispatch.tracking_numbers,
        urls=(dispatch.tracking_url,) if dispatch.tracking_url else (),
        notify_customer=rules.notify_customer,
    )
    return FulfilmentPlan(line_units, new_progress, carrier, moves, request)


def _units_by_sku(dispatch: Dispatch) -> dict[str, int]:
    units: dict[str, int] = {}
    for line in dispatch.lines:
        if line.quantity > 0:
            units[line.sku] = units.get(line.sku, 0) + line.quantity
    return units


def _slots(
    order: OrderFulfilments, bundles: Mapping[str, tuple[BundleComponent, ...]]
) -> dict[str, list[_Slot]]:
    """ERP SKU -> where its units go: plain lines first, then bundle lines holding it, in line order."""
    plain: dict[str, list[_Slot]] = {}
    bundled: dict[str, list[_Slot]] = {}
    for line in order.lines:
        if line.sku in bundles:
            for part in bundles[line.sku]:
                bundled.setdefault(part.sku, []).append(_Slot(line.line_item_id, part.quantity))
        elif line.sku:
            plain.setdefault(line.sku, []).append(_Slot(line.line_item_id, 0))
    return {sku: plain.get(sku, []) + bundled.get(sku, []) for sku in {*plain, *bundled}}


def _unmatched(
    shipped: Mapping[str, int],
    slots: Mapping[str, list[_Slot]],
    order: OrderFulfilments,
    bundles: Mapping[str, tuple[BundleComponent, ...]],
) -> tuple[RefusalKind, tuple[str, ...]] | None:
    missing = tuple(sorted(sku for sku in shipped if sku not in slots))
    if missing:
        return RefusalKind.NOT_ON_ORDER, missing
    ordered = _ordered_units(order, slots)
    over = tuple(sorted(sku for sku, units in shipped.items() if units > ordered.get(sku, 0)))
    return (RefusalKind.MORE_THAN_ORDERED, over) if over else None


def _ordered_units(order: OrderFulfilments, slots: Mapping[str, list[_Slot]]) -> dict[str, int]:
    quantities = {line.line_item_id: line.quantity for line in order.lines}
    return {
        sku: sum(quantities.get(s.line_item_id, 0) * max(s.per_bundle, 1) for s in found)
        for sku, found in slots.items()
    }


def _remaining(order: OrderFulfilments) -> dict[str, int]:
    """Units Shopify still has to fulfil per line item (fulfillable and held fulfilment orders)."""
    left: dict[str, int] = {}
    for fo in order.fulfilment_orders:
        if fo.status in FULFILLABLE or fo.status in HELD:
            for line in fo.lines:
                left[line.line_item_id] = left.get(line.line_item_id, 0) + line.remaining
    return left


def _allocate(
    shipped: Mapping[str, int],
    slots: Mapping[str, list[_Slot]],
    remaining: Mapping[str, int],
    progress: BundleProgress,
    bundles: Mapping[str, tuple[BundleComponent, ...]],
    order: OrderFulfilments,
) -> tuple[dict[str, int], dict[str, dict[str, int]]] | Refusal:
    """Units per line item to fulfil now, and the bundle progress after this dispatch."""
    line_units: dict[str, int] = {}
    new_progress = {line: dict(parts) for line, parts in progress.items()}
    short: list[str] = []
    for sku, units in sorted(shipped.items()):
        for slot in slots[sku]:
            if units == 0:
                break
            units -= _fill(slot, sku, units, remaining, line_units, new_progress)
        if units:
            short.append(sku)
    if short:
        kind = RefusalKind.MORE_THAN_LEFT if any(remaining.values()) else RefusalKind.ALREADY_FULFILLED
        return Refusal(kind, *_words(kind, order.name), skus=tuple(short))
    _complete_bundles(order, bundles, new_progress, line_units)
    return line_units, {line: parts for line, parts in new_progress.items() if any(parts.values())}


def _fill(
    slot: _Slot,
    sku: str,
    units: int,
    remaining: Mapping[str, int],
    line_units: dict[str, int],
    progress: dict[str, dict[str, int]],
) -> int:
    """Put up to ``units`` into one slot; returns how many it took."""
    open_units = remaining.get(slot.line_item_id, 0)
    if slot.per_bundle == 0:
        taken = min(units, open_units - line_units.get(slot.line_item_id, 0))
        if taken > 0:
            line_units[slot.line_item_id] = line_units.get(slot.line_item_id, 0) + taken
        return max(taken, 0)
    parts = progress.setdefault(slot.line_item_id, {})
    room = open_units * slot.per_bundle - parts.get(sku, 0)
    taken = max(min(units, room), 0)
    parts[sku] = parts.get(sku, 0) + taken
    return taken


def _complete_bundles(
    order: OrderFulfilments,
    bundles: Mapping[str, tuple[BundleComponent, ...]],
    progress: dict[str, dict[str, int]],
    line_units: dict[str, int],
) -> None:
    """Whole bundles whose every component is dispatched are fulfilled; their units leave progress."""
    for line in order.lines:
        parts = progress.get(line.line_item_id)
        if line.sku not in bundles or not parts:
            continue
        whole = min(parts.get(c.sku, 0) // c.quantity for c in bundles[line.sku])
        if whole:
            line_units[line.line_item_id] = line_units.get(line.line_item_id, 0) + whole
            for component in bundles[line.sku]:
                parts[component.sku] -= whole * component.quantity


def _pick_lines(
    line_units: Mapping[str, int], order: OrderFulfilments, targets: tuple[str, ...]
) -> tuple[tuple[tuple[str, tuple[tuple[str, int], ...]], ...], tuple[Move, ...]] | Refusal:
    """Fulfilment order lines for the units, at one of ``targets`` where given (else moved to the
    first of them)."""
    groups: dict[str, list[tuple[str, int]]] = {}
    moves: dict[str, list[tuple[str, int]]] = {}
    held = False
    for line_item_id, units in line_units.items():
        for fo, fo_line in _candidates(order, line_item_id, targets):
            if units == 0:
                break
            if fo.status in HELD:
                held = True
                continue
            taken = min(units, fo_line.remaining)
            units -= taken
            moved = bool(targets) and fo.location_id not in targets
            (moves if moved else groups).setdefault(fo.id, []).append((fo_line.id, taken))
        if units:
            kind = RefusalKind.ON_HOLD if held else RefusalKind.MORE_THAN_LEFT
            return Refusal(kind, *_words(kind, order.name))
    plan_moves = tuple(Move(fo_id, targets[0], tuple(lines)) for fo_id, lines in moves.items())
    return tuple((fo_id, tuple(lines)) for fo_id, lines in groups.items()), plan_moves


def _candidates(
    order: OrderFulfilments, line_item_id: str, targets: tuple[str, ...]
) -> list[tuple[FulfilmentOrder, FulfilmentOrderLine]]:
    """Open fulfilment order lines of the line item; those at ``targets`` first, held ones last."""
    found = [
        (fo, line)
        for fo in order.fulfilment_orders
        if fo.status in FULFILLABLE or fo.status in HELD
        for line in fo.lines
        if line.line_item_id == line_item_id and line.remaining > 0
    ]
    return sorted(found, key=lambda pair: (pair[0].status in HELD, pair[0].location_id not in targets))


def _refusal(kind: RefusalKind, order: OrderFulfilments, skus: Sequence[str] = ()) -> Refusal:
    message, fix = _words(kind, order.name)
    return Refusal(kind, message, fix, tuple(skus))


def _words(kind: RefusalKind, name: str) -> tuple[str, str]:
    """What happened and what to do, in operations' words."""
    return {
        RefusalKind.ORDER_CANCELLED: (
            f"order {name} is cancelled in Shopify, so it cannot be fulfilled there",
            "the goods have left the warehouse: stop or recall the parcel, or contact the customer",
        ),
        RefusalKind.ALREADY_FULFILLED: (
            f"order {name} is already fulfilled in Shopify for these items",
            "check whether the order was fulfilled by hand in Shopify; if so, resolve this problem",
        ),
        RefusalKind.MORE_THAN_LEFT: (
            f"order {name} has fewer units left to fulfil in Shopify than the dispatch carries",
            "check the order's fulfilments in Shopify, fulfil the rest by hand, then resolve this problem",
        ),
        RefusalKind.ON_HOLD: (
            f"order {name} is on hold in Shopify",
            "release the fulfilment hold in Shopify, then replay the job (shopbridge jobs replay)",
        ),
        RefusalKind.NOT_ON_ORDER: (
            f"the dispatch carries SKU(s) order {name} does not hold",
            "correct the despatch in the ERP, then fulfil the order by hand in Shopify",
        ),
        RefusalKind.MORE_THAN_ORDERED: (
            f"the dispatch carries more than order {name} ordered",
            "correct the despatch in the ERP, then fulfil the order by hand in Shopify",
        ),
    }[kind]


# -- after a timeout -----------------------------------------------------------------------------


def find_created(
    line_units: Mapping[str, int],
    numbers: Sequence[str],
    fulfilments: Sequence[ShippedFulfilment],
    linked: frozenset[str],
) -> ShippedFulfilment | None:
    """The fulfilment a create that timed out did make: live, linked to no other dispatch, with the
    same tracking numbers and the same units per line item."""
    wanted = {line: units for line, units in line_units.items() if units}
    for fulfilment in fulfilments:
        if fulfilment.status != "SUCCESS" or fulfilment.id in linked:
            continue
        if set(fulfilment.tracking_numbers) != set(numbers):
            continue
        units: dict[str, int] = {}
        for line, quantity in fulfilment.lines:
            units[line] = units.get(line, 0) + quantity
        if units == wanted:
            return fulfilment
    return None
