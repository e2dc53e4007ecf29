"""ERP dispatches become Shopify fulfilments, exactly once, with carrier, tracking and notification.

Two flows. The sweep (``[schedules] erp_dispatches``) reads the ERP's dispatches since its cursor and
enqueues one job per dispatch (the dispatch travels in the payload, deduplicated on its id) in the
same transaction that moves the cursor. The dispatch job plans the fulfilment against the order as
Shopify has it now (``domain/fulfilment.py``), moves fulfilment order lines to the dispatching
warehouse's location when Shopify assigned another, and creates the fulfilment.

**Exactly once.** Each fulfilment is linked to its dispatch (links ``fulfilment``: Shopify fulfilment
GID <-> ERP dispatch id) and the link is looked up before every create. Before the create the job
writes down what it is about to send (the *intent*: units per line item and tracking numbers); a retry
that finds an intent and no link looks among the order's fulfilments for a live one that no other
dispatch owns with those units and tracking numbers: the one a timed-out create made. Jobs of one
order run one at a time (entity key per order name), so no two dispatches of an order race.

Refusals are problems for operations: ``FULFILMENT_REJECTED`` where Shopify's state stops it (the
order is cancelled or already fulfilled there, less is left than the dispatch carries, a hold);
``DISPATCH_UNMATCHED`` where the dispatch is wrong (an order shopbridge never posted, a SKU the order
does not hold, more than was ordered). The job dead-letters with the dispatch in its payload, so
nothing is lost: ``shopbridge jobs replay`` once fixed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shopbridge.config import ShopSettings
from shopbridge.domain.fulfilment import (
    BundleProgress,
    FulfilmentPlan,
    FulfilmentRules,
    OrderFulfilments,
    Refusal,
    carrier_for,
    find_created,
    plan_fulfilment,
)
from shopbridge.domain.order_reference import order_name_of
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.records import BundleComponent, Dispatch, DispatchLine
from shopbridge.engine.job import Job
from shopbridge.errors import NeedsPerson
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.ports.erp import Capability
from shopbridge.ports.store import Transaction

__all__ = ["FLOW", "KIND", "LINK", "SWEEP_FLOW", "dispatch_entity_key", "dispatch_payload"]

SCHEDULE = "erp_dispatches"
SWEEP_KIND = f"sweep.{SCHEDULE}"
KIND = "erp.dispatch"
LINK = "fulfilment"  # links: Shopify fulfilment GID <-> ERP dispatch id
ENTITY = "dispatch"
PAGE = 200
_POSTED = (SyncStatus.POSTED, SyncStatus.MANUAL, SyncStatus.CANCELLED)
_NO_FULFILMENT = "components:"  # link of a dispatch that only moved bundle progress


# -- the sweep -----------------------------------------------------------------------------------


def sweep(job: Job, ctx: FlowContext) -> None:
    """Read the dispatches feed to its end; each page's jobs and the cursor commit together."""
    if Capability.READ_DISPATCHES not in ctx.erp.capabilities:
        return
    name = f"erp.dispatches:{ctx.shop.name}"
    with ctx.uow.begin() as tx:
        cursor = tx.cursor(name)
    while True:
        page = ctx.erp.dispatches_since(cursor, limit=PAGE)
        with ctx.uow.begin() as tx:
            for dispatch in page.items:
                enqueue_dispatch(tx, ctx.shop.name, dispatch)
            if page.next_cursor is not None:
                tx.set_cursor(name, page.next_cursor)
        cursor = page.next_cursor if page.next_cursor is not None else cursor
        if not page.has_more:
            return


def enqueue_dispatch(tx: Transaction, shop: str, dispatch: Dispatch) -> None:
    """The dispatch's job (a redelivered or re-swept dispatch joins the pending one)."""
    tx.enqueue(
        KIND,
        dispatch_payload(dispatch),
        entity_key=dispatch_entity_key(shop, dispatch.order_reference),
        dedup_key=f"dispatch:{shop}:{dispatch.erp_id}",
        shop=shop,
    )


def dispatch_entity_key(shop: str, order_name: str) -> str:
    """Dispatches of one order run one at a time, in order."""
    return f"dispatch:{shop}:{order_name}"


def dispatch_payload(dispatch: Dispatch) -> dict[str, Any]:
    return {
        "erp_id": dispatch.erp_id,
        "order_reference": dispatch.order_reference,
        "dispatched_at": dispatch.dispatched_at.isoformat(),
        "lines": [[line.sku, line.quantity] for line in dispatch.lines],
        "carrier": dispatch.carrier,
        "tracking_numbers": list(dispatch.tracking_numbers),
        "tracking_url": dispatch.tracking_url,
        "warehouse": dispatch.warehouse,
    }


def _dispatch_of(payload: Mapping[str, Any]) -> Dispatch:
    return Dispatch(
        erp_id=str(payload["erp_id"]),
        order_reference=str(payload["order_reference"]),
        dispatched_at=datetime.fromisoformat(str(payload["dispatched_at"])),
        lines=tuple(DispatchLine(str(sku), int(qty)) for sku, qty in payload.get("lines") or ()),
        carrier=str(payload.get("carrier") or ""),
        tracking_numbers=tuple(str(n) for n in payload.get("tracking_numbers") or ()),
        tracking_url=str(payload.get("tracking_url") or ""),
        warehouse=str(payload.get("warehouse") or ""),
    )


# -- one dispatch --------------------------------------------------------------------------------


def handle(job: Job, ctx: FlowContext) -> None:
    """One dispatch: already linked, found after a timeout, or planned, moved and created now."""
    dispatch = _dispatch_of(job.payload)
    with ctx.uow.begin() as tx:
        linked = tx.linked_shopify_id(LINK, ctx.shop.name, dispatch.erp_id)
        sync = _order_of(tx, ctx.shop, dispatch.order_reference)
        elsewhere = sync is None and _in_another_shop(tx, ctx, dispatch.order_reference)
    if linked is not None or elsewhere:
        return  # done before, or the order belongs to another shop's sweep
    if sync is None or sync.status not in _POSTED:
        raise _unmatched(dispatch, f"order {dispatch.order_reference} was never posted by shopbridge")
    state = _state(ctx, sync)
    progress = _progress(ctx, sync.order_id)
    if _found_after_timeout(ctx, dispatch, sync):
        return
    plan = _plan(ctx, dispatch, state, progress)
    if plan.moves:
        _move(ctx, sync, plan)
        plan = _plan(ctx, dispatch, _state(ctx, sync), progress)
    fulfilment_id = _create(ctx, dispatch, plan)
    _record(ctx, dispatch, sync, plan, fulfilment_id, after_timeout=False)


def _order_of(tx: Transaction, shop: ShopSettings, reference: str) -> OrderSync | None:
    """The shop's order behind an ERP reference: the shop's prefix, then its Shopify order name."""
    name = order_name_of(shop.order_reference_prefix, reference)
    return tx.order_sync_named(shop.name, name) if name is not None else None


def _in_another_shop(tx: Transaction, ctx: FlowContext, reference: str) -> bool:
    return any(_order_of(tx, shop, reference) is not None for shop in ctx.settings.shops if shop != ctx.shop)


def _state(ctx: FlowContext, sync: OrderSync) -> OrderFulfilments:
    state = ctx.shopify.order_fulfilments(sync.order_id)
    if state is None:
        raise NeedsPerson(
            f"Shopify no longer has order {sync.name}; its dispatch cannot become a fulfilment",
            kind=ProblemKind.FULFILMENT_REJECTED,
            details={"entity_type": ENTITY, "order": sync.name},
        )
    return state


def _plan(
    ctx: FlowContext, dispatch: Dispatch, state: OrderFulfilments, progress: BundleProgress
) -> FulfilmentPlan:
    plan = plan_fulfilment(dispatch, state, _rules(ctx, state), progress)
    if isinstance(plan, Refusal):
        raise _refused(dispatch, plan)
    return plan


def _move(ctx: FlowContext, sync: OrderSync, plan: FulfilmentPlan) -> None:
    for move in plan.moves:
        ctx.shopify.move_fulfilment_order(move.fulfilment_order_id, move.location_id, move.lines)
    _trail(ctx, sync.order_id, "fulfilment_moved", {"moves": [m.fulfilment_order_id for m in plan.moves]})


def _create(ctx: FlowContext, dispatch: Dispatch, plan: FulfilmentPlan) -> str:
    """Write the intent, then create; a bundle dispatch that completes no bundle creates nothing."""
    if plan.request is None:
        return ""
    intent = {"line_units": dict(plan.line_units), "numbers": list(dispatch.tracking_numbers)}
    intent["progress"] = {line: dict(parts) for line, parts in plan.progress.items()}
    with ctx.uow.begin() as tx:
        tx.set_cursor(_intent_name(ctx, dispatch), json.dumps(intent, sort_keys=True))
    return ctx.shopify.create_fulfilment(plan.request)


def _found_after_timeout(ctx: FlowContext, dispatch: Dispatch, sync: OrderSync) -> bool:
    """A create was attempted before (an intent is on record): link the fulfilment it made, if any."""
    with ctx.uow.begin() as tx:
        raw = tx.cursor(_intent_name(ctx, dispatch))
    if not raw:
        return False
    made = ctx.shopify.fulfilments_made(sync.order_id)
    with ctx.uow.begin() as tx:
        owned = frozenset(f.id for f in made if tx.linked_erp_id(LINK, ctx.shop.name, f.id) is not None)
    intent = json.loads(raw)
    found = find_created(intent["line_units"], intent["numbers"], made, owned)
    if found is None:
        return False
    plan = _plan_of_intent(ctx, dispatch, intent)
    _record(ctx, dispatch, sync, plan, found.id, after_timeout=True)
    return True


def _plan_of_intent(ctx: FlowContext, dispatch: Dispatch, intent: Mapping[str, Any]) -> FulfilmentPlan:
    carrier = carrier_for(dispatch.carrier, ctx.settings.lookups_for(ctx.shop).carriers)
    return FulfilmentPlan(intent["line_units"], intent["progress"], carrier)


def _record(
    ctx: FlowContext,
    dispatch: Dispatch,
    sync: OrderSync,
    plan: FulfilmentPlan,
    fulfilment_id: str,
    *,
    after_timeout: bool,
) -> None:
    """Link, bundle progress, trail and an unmapped carrier's problem: one transaction."""
    shop = ctx.shop.name
    detail = {
        "dispatch": dispatch.erp_id,
        "fulfilment": fulfilment_id,
        "lines": dict(plan.line_units),
        "carrier": plan.carrier.company,
        "tracking": list(dispatch.tracking_numbers),
        "found_after_timeout": after_timeout,
    }
    with ctx.uow.begin() as tx:
        tx.link(LINK, shop, fulfilment_id or f"{_NO_FULFILMENT}{dispatch.erp_id}", dispatch.erp_id, sync.name)
        tx.set_cursor(_progress_name(ctx, sync.order_id), json.dumps(plan.progress, sort_keys=True))
        tx.add_trail(shop, sync.order_id, "fulfilled" if fulfilment_id else "components_dispatched", detail)
        if not plan.carrier.mapped:
            tx.report_problem(_unmapped_carrier(ctx, dispatch))


# -- settings, progress, problems ----------------------------------------------------------------


def _rules(ctx: FlowContext, state: OrderFulfilments) -> FulfilmentRules:
    """Bundles as the order flow maps them (``[bundles]``, else the ERP's kits), locations, carriers."""
    bundles = {sku: _components(parts) for sku, parts in ctx.settings.bundles.items()}
    if Capability.KITS in ctx.erp.capabilities:
        asked = sorted({line.sku for line in state.lines if line.sku and line.sku not in bundles})
        items = ctx.erp.get_items(asked) if asked else {}
        kits = {sku: item.components for sku, item in items.items() if item.is_kit and item.components}
        bundles = {**kits, **bundles}
    return FulfilmentRules(
        bundles=bundles,
        locations=_locations_of(ctx.shop.stock_warehouses),
        carriers=dict(ctx.settings.lookups_for(ctx.shop).carriers),
        notify_customer=ctx.shop.notify_customers,
    )


def _components(parts: Mapping[str, int]) -> tuple[BundleComponent, ...]:
    return tuple(BundleComponent(sku, quantity) for sku, quantity in parts.items())


def _locations_of(locations: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """ERP warehouse -> the Shopify locations (GIDs) that config maps to it, in config order
    (a location fed by several warehouses is theirs each)."""
    found: dict[str, tuple[str, ...]] = {}
    for location, warehouses in locations.items():
        for warehouse in warehouses:
            found[warehouse] = (*found.get(warehouse, ()), _location_gid(location))
    return found


def _location_gid(location: str) -> str:
    return location if location.startswith("gid://") else f"gid://shopify/Location/{location}"


def _progress(ctx: FlowContext, order_id: str) -> BundleProgress:
    with ctx.uow.begin() as tx:
        raw = tx.cursor(_progress_name(ctx, order_id))
    found: BundleProgress = json.loads(raw) if raw else {}
    return found


def _progress_name(ctx: FlowContext, order_id: str) -> str:
    return f"fulfilment.components:{ctx.shop.name}:{order_id.rsplit('/', 1)[-1]}"


def _intent_name(ctx: FlowContext, dispatch: Dispatch) -> str:
    return f"fulfilment.intent:{ctx.shop.name}:{dispatch.erp_id}"


def _refused(dispatch: Dispatch, refusal: Refusal) -> NeedsPerson:
    why = f"{refusal.message} ({', '.join(refusal.skus)})" if refusal.skus else refusal.message
    if not refusal.kind.shopify_refuses:
        return _unmatched(dispatch, why, fix=refusal.fix, skus=refusal.skus)
    return NeedsPerson(
        f"dispatch {dispatch.erp_id} of order {dispatch.order_reference}: {why}",
        kind=ProblemKind.FULFILMENT_REJECTED,
        resolution=refusal.fix,
        details=_details(dispatch, refusal.kind.value, refusal.skus),
    )


def _unmatched(dispatch: Dispatch, why: str, *, fix: str = "", skus: tuple[str, ...] = ()) -> NeedsPerson:
    return NeedsPerson(
        f"dispatch {dispatch.erp_id} of order {dispatch.order_reference} matches no order line: {why}",
        kind=ProblemKind.DISPATCH_UNMATCHED,
        resolution=fix
        or "check the despatch in the ERP; fulfil the order by hand in Shopify if it is a Shopify order",
        details=_details(dispatch, "unmatched", skus),
    )


def _details(dispatch: Dispatch, reason: str, skus: tuple[str, ...]) -> dict[str, Any]:
    return {
        "entity_type": ENTITY,
        "entity_id": dispatch.erp_id,
        "order": dispatch.order_reference,
        "reason": reason,
        "skus": list(skus),
        "lines": [[line.sku, line.quantity] for line in dispatch.lines],
    }


def _unmapped_carrier(ctx: FlowContext, dispatch: Dispatch) -> ProblemReport:
    return ProblemReport(
        kind=ProblemKind.UNMAPPED_CARRIER,
        entity_type="carrier",
        entity_id=dispatch.carrier,
        message=(
            f"ERP courier {dispatch.carrier!r} has no Shopify carrier in [lookups] carriers; its "
            "fulfilments go with it as a custom carrier name and the tracking URL. Map it to stop this."
        ),
        details={"carrier": dispatch.carrier, "dispatch": dispatch.erp_id, "order": dispatch.order_reference},
        shop=ctx.shop.name,
    )


def _trail(ctx: FlowContext, order_id: str, step: str, detail: Mapping[str, Any]) -> None:
    with ctx.uow.begin() as tx:
        tx.add_trail(ctx.shop.name, order_id, step, detail)


SWEEP_FLOW = Flow(switch="fulfilments", kind=SWEEP_KIND, handle=sweep, schedule=SCHEDULE)
FLOW = Flow(switch="fulfilments", kind=KIND, handle=handle)
