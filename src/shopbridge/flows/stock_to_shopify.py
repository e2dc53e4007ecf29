"""ERP stock -> Shopify available-to-sell, per location, pushing only what changed.

The sweep (``[schedules] erp_stock``; ``erp_stock_peak`` while peak mode is on) reads the ERP's stock
changes since its cursor (an ERP that offers only full snapshots, such as Prima, is read whole and
compared with the levels kept from the last read), works out which SKUs moved (a bundle moves with
any component; pending order units and a changed buffer move SKUs too), computes their figures
(``domain/stock``) and pushes those that differ from what Shopify holds (``stock_push``).

Never zero the store because a system is down: an ERP that cannot be read, or a sweep that would
take more than ``[stock] drop_guard_share`` of the selling SKUs to zero at once, pushes nothing and
raises STOCK_PUSH_HELD for the technical team; the ERP cursor stays put, so the next sweep re-reads
the same changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shopbridge.domain.order_stock_lines import OrderStockLines
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.stock import (
    PendingLine,
    StockFigure,
    StockItem,
    available_to_sell,
    bundle_figure,
    bundles_containing,
    pending_units,
)
from shopbridge.domain.stock_buffers import SkuFacts, rules_from_text, rules_to_text, skus_affected
from shopbridge.domain.stock_guard import DropVerdict, check_drop
from shopbridge.domain.stock_homes import own_warehouses, pending_at_homes
from shopbridge.engine.job import Job
from shopbridge.errors import ConfigurationError, RetryLater
from shopbridge.flows import stock_item_refresh, stock_kits
from shopbridge.flows.order_to_sales_order import KIND as ORDER_KIND
from shopbridge.flows.spec import Flow, FlowContext
from shopbridge.flows.stock_push import PushResult, push
from shopbridge.flows.stock_settings import BUFFERS_CURSOR, PEAK_CURSOR, StockRules, location_gid, stock_rules
from shopbridge.ports.erp import Capability
from shopbridge.ports.shopify import ShopifyInventoryPort, ShopifyPendingOrderReads

__all__ = ["FLOW", "KIND", "PEAK_FLOW", "compute_figures", "is_peak", "sweep"]

SCHEDULE = "erp_stock"
KIND = f"sweep.{SCHEDULE}"
PEAK_SCHEDULE = "erp_stock_peak"
CURSOR = "erp.stock"
PAGE = 500
Levels = dict[tuple[str, str], Decimal]


def handle(job: Job, ctx: FlowContext) -> None:
    """One sweep; ``skus`` in the payload adds SKUs to recompute (a changed buffer, ``stock push``)."""
    sweep(ctx, key=job.attempt_idempotency_key, extra=tuple(job.payload.get("skus") or ()))


def handle_peak(job: Job, ctx: FlowContext) -> None:
    """The faster schedule: a sweep only while peak mode is on."""
    if is_peak(ctx):
        sweep(ctx, key=job.attempt_idempotency_key)


def is_peak(ctx: FlowContext) -> bool:
    with ctx.uow.begin() as tx:
        return tx.cursor(PEAK_CURSOR) == "on"


def sweep(ctx: FlowContext, *, key: str, extra: Sequence[str] = ()) -> PushResult:
    """Read, compute, guard, push; returns what was pushed (empty when held)."""
    shopify = _inventory(ctx)
    with ctx.uow.begin() as tx:
        kits = stock_kits.stored_kits(tx, ctx.shop.name)
    rules = stock_kits.with_kits(stock_rules(ctx.settings, ctx.shop), kits)
    # Which orders the ERP does not hold yet, taken before the ERP is read: an order posted in
    # between then counts twice for one sweep (held back), never not at all (offered again).
    waiting = _orders_not_in_erp(ctx)
    try:
        read, cursor = _read_erp(ctx)
    except RetryLater as exc:
        _hold(ctx, f"the ERP could not be read: {exc}", {"error": str(exc)})
        return PushResult()
    with ctx.uow.begin() as tx:
        kept = tx.erp_free()
    fresh = {level: free for level, free in read.items() if kept.get(level) != free}
    levels = {**kept, **fresh}
    pending = _pending(ctx, rules, waiting)
    skus = {sku for sku, _warehouse in fresh} | pending.moved | set(extra) | _buffer_moved(ctx, rules)
    skus |= stock_kits.kits_moved(ctx, kits)
    restyled, stale = stock_item_refresh.refresh(ctx, shopify)  # collections or type changed in Shopify
    skus |= restyled
    skus |= bundles_containing(skus, rules.bundles)
    result = _compute_and_push(ctx, shopify, rules, skus, levels, pending.units, key=key)
    if result is not None:  # held: nothing kept, so the next sweep sees the same changes again
        _keep(ctx, fresh, cursor, pending)
        stock_kits.keep_pushed(ctx, kits)
        stock_item_refresh.forget(ctx, stale)
    return result or PushResult()


def _compute_and_push(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    rules: StockRules,
    skus: set[str],
    levels: Levels,
    pending: Mapping[tuple[str, str], int],
    *,
    key: str,
) -> PushResult | None:
    """``None`` when the guard held the push."""
    if not skus:
        return PushResult()
    items = _stock_items(ctx, shopify, skus)
    figures = compute_figures(rules, skus, levels, pending, items, peak=is_peak(ctx))
    verdict = _guard(ctx, rules, figures)
    if verdict.held:
        _hold(
            ctx,
            f"{len(verdict.zeroed)} of {verdict.selling} selling SKUs would go to zero at once",
            {
                "zeroed": list(verdict.zeroed[:50]),
                "selling": verdict.selling,
                "share": round(verdict.share, 3),
            },
        )
        return None
    quantities = {level: figure.quantity for level, figure in figures.items()}
    total = push(ctx, shopify, quantities, items, key=key)
    with ctx.uow.begin() as tx:
        tx.resolve_problems(ProblemKind.STOCK_PUSH_HELD, "shop", ctx.shop.name, ctx.shop.name)
    return total


def compute_figures(
    rules: StockRules,
    skus: set[str],
    levels: Levels,
    pending: Mapping[tuple[str, str], int],
    items: Mapping[str, StockItem],
    *,
    peak: bool,
) -> dict[tuple[str, str], StockFigure]:
    """The figure per (SKU, location) of ``skus`` (bundles from their components' figures)."""
    bundles = {sku for sku in skus if sku in rules.bundles}
    parts = {part for sku in bundles for part in rules.bundles[sku]}
    figures: dict[tuple[str, str], StockFigure] = {}
    own = own_warehouses(rules.warehouses)  # a warehouse on two locations is offered at one
    pending = pending_at_homes(rules.warehouses, pending)
    for location in rules.warehouses:
        for sku in sorted((skus - bundles) | parts):
            free = {wh: levels[(sku, wh)] for wh in own[location] if (sku, wh) in levels}
            figures[(sku, location)] = available_to_sell(
                _facts(sku, items),
                location,
                free,
                pending=pending.get((sku, location), 0),
                rules=rules.rules,
                peak=peak,
            )
        for sku in sorted(bundles):
            available = {part: figures[(part, location)].quantity for part in rules.bundles[sku]}
            figures[(sku, location)] = bundle_figure(sku, location, rules.bundles[sku], available)
    return {(sku, loc): figure for (sku, loc), figure in figures.items() if sku in skus}


def _facts(sku: str, items: Mapping[str, StockItem]) -> SkuFacts:
    item = items.get(sku)
    if item is None:
        return SkuFacts(sku)
    return SkuFacts(sku, product_type=item.product_type, collections=item.collections)


def _inventory(ctx: FlowContext) -> ShopifyInventoryPort:
    if not isinstance(ctx.shopify, ShopifyInventoryPort):
        raise ConfigurationError(
            "this Shopify port cannot push stock", key="flows.stock", fix="turn flows.stock off"
        )
    return ctx.shopify


def _read_erp(ctx: FlowContext) -> tuple[Levels, str | None]:
    """The levels the ERP reports since the cursor (all of them for a snapshot ERP), and the new cursor."""
    snapshot = Capability.STOCK_SNAPSHOT in ctx.erp.capabilities
    with ctx.uow.begin() as tx:
        cursor = None if snapshot else tx.cursor(CURSOR)
    read: Levels = {}
    while True:
        page = ctx.erp.stock_changed(cursor, limit=PAGE)
        read.update({(level.sku, level.warehouse): level.free for level in page.items})
        cursor = page.next_cursor or cursor
        if not page.has_more:
            return read, None if snapshot else cursor


def _keep(ctx: FlowContext, read: Levels, cursor: str | None, pending: Pending) -> None:
    with ctx.uow.begin() as tx:
        tx.keep_erp_levels(read)
        tx.replace_pending(ctx.shop.name, pending.new_orders, pending.waiting)
        if cursor is not None:
            tx.set_cursor(CURSOR, cursor)
        tx.set_cursor(
            f"{BUFFERS_CURSOR}:{ctx.shop.name}", rules_to_text(stock_rules(ctx.settings, ctx.shop).rules)
        )


@dataclass(frozen=True)
class Pending:
    """Units of orders the ERP does not hold yet, and what changed in them since the last sweep."""

    units: dict[tuple[str, str], int]  # per (SKU, location)
    moved: set[str]  # SKUs whose pending units changed
    new_orders: dict[str, list[PendingLine]]  # read this sweep, stored once the sweep pushed
    waiting: list[str]  # every order still pending (the others are forgotten)


def _orders_not_in_erp(ctx: FlowContext) -> list[str]:
    """Orders Shopify took that the ERP does not hold: waiting or quarantined, and those received
    whose job has not run yet (at a peak the queue runs behind the shop)."""
    with ctx.uow.begin() as tx:
        waiting = tx.orders_not_in_erp(ctx.shop.name)
        received = tx.orders_received(ctx.shop.name, ORDER_KIND)
    known = set(waiting)
    return waiting + [order_id for order_id in received if order_id not in known]


def _pending(ctx: FlowContext, rules: StockRules, waiting: list[str]) -> Pending:
    with ctx.uow.begin() as tx:
        stored = tx.pending_lines(ctx.shop.name)
    fresh = _new_order_lines(ctx, rules, [order_id for order_id in waiting if order_id not in stored])
    gone = {order_id: lines for order_id, lines in stored.items() if order_id not in waiting}
    current = [
        line for order_id, lines in {**stored, **fresh}.items() if order_id in waiting for line in lines
    ]
    moved = {line.sku for lines in [*fresh.values(), *gone.values()] for line in lines}
    moved |= {part for sku in moved for part in rules.bundles.get(sku, {})}
    return Pending(pending_units(current, rules.bundles), moved, fresh, waiting)


def _new_order_lines(
    ctx: FlowContext, rules: StockRules, order_ids: list[str]
) -> dict[str, list[PendingLine]]:
    """The pending lines of orders not seen before: many orders a read where the port offers it (a
    backlog of 1,500 at a peak is dozens of reads, not 1,500), else one whole order read each."""
    if isinstance(ctx.shopify, ShopifyPendingOrderReads):
        read = ctx.shopify.orders_stock_lines(order_ids) if order_ids else {}
        return {order_id: _pending_lines(rules, read.get(order_id)) for order_id in order_ids}
    return {order_id: _pending_lines(rules, _whole_order_lines(ctx, order_id)) for order_id in order_ids}


def _whole_order_lines(ctx: FlowContext, order_id: str) -> OrderStockLines | None:
    order = ctx.shopify.order(order_id)
    return OrderStockLines.of(order) if order is not None else None


def _pending_lines(rules: StockRules, order: OrderStockLines | None) -> list[PendingLine]:
    """Units waiting per line, at the line's location, else the order's, else the first warehouse."""
    if order is None:
        return []
    default = next(iter(rules.warehouses), "")
    return [
        PendingLine(
            line.sku,
            location_gid(line.location_id or order.location_id)
            if (line.location_id or order.location_id)
            else default,
            line.quantity,
        )
        for line in order.lines
        if line.sku and line.quantity > 0 and not line.is_gift_card
    ]


def _buffer_moved(ctx: FlowContext, rules: StockRules) -> set[str]:
    """The SKUs whose buffer rule changed since the rules last applied: only those are recomputed."""
    with ctx.uow.begin() as tx:
        applied = tx.cursor(f"{BUFFERS_CURSOR}:{ctx.shop.name}")
        if applied is None or applied == rules_to_text(rules.rules):
            return set()
        items = tx.stock_items(ctx.shop.name)
    facts = [_facts(sku, items) for sku in items]
    return skus_affected(rules_from_text(applied), rules.rules, facts, list(rules.warehouses))


def _stock_items(ctx: FlowContext, shopify: ShopifyInventoryPort, skus: set[str]) -> dict[str, StockItem]:
    """Shopify's variant per SKU: stored, else looked up once. A SKU on two variants is left out."""
    with ctx.uow.begin() as tx:
        known = tx.stock_items(ctx.shop.name, sorted(skus))
    missing = sorted(skus - set(known))
    if missing:
        found: dict[str, list[StockItem]] = {}
        for item in shopify.stock_items(missing):
            found.setdefault(item.sku, []).append(item)
        single = [variants[0] for variants in found.values() if len(variants) == 1]
        with ctx.uow.begin() as tx:
            tx.save_stock_items(ctx.shop.name, single)
        known.update({item.sku: item for item in single})
    return known


def _guard(
    ctx: FlowContext, rules: StockRules, figures: Mapping[tuple[str, str], StockFigure]
) -> DropVerdict:
    with ctx.uow.begin() as tx:
        last = tx.pushed_quantities(ctx.shop.name)
    proposed = {key: figure.quantity for key, figure in figures.items()}
    return check_drop(last, proposed, share=rules.guard_share, min_skus=rules.guard_min_skus)


def _hold(ctx: FlowContext, why: str, details: dict[str, Any]) -> None:
    with ctx.uow.begin() as tx:
        tx.report_problem(
            ProblemReport(
                kind=ProblemKind.STOCK_PUSH_HELD,
                entity_type="shop",
                entity_id=ctx.shop.name,
                shop=ctx.shop.name,
                message=f"stock push held, nothing sent to Shopify: {why}",
                tried="one stock sweep",
                resolution="check the ERP; the next sweep pushes once the figures look sound again "
                "(a real mass sell-out: raise [stock] drop_guard_share for one sweep)",
                details=details,
            )
        )


FLOW = Flow(switch="stock", kind=KIND, handle=handle, schedule=SCHEDULE)
PEAK_FLOW = Flow(switch="stock", kind=f"sweep.{PEAK_SCHEDULE}", handle=handle_peak, schedule=PEAK_SCHEDULE)
