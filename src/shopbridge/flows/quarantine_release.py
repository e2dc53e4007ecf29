"""Quarantined orders are released by themselves once the ERP has every SKU they wait for, active.

The ERP items sweep (``[schedules] erp_items``) reads the items created or changed since its cursor.
Any quarantined order waiting for one of them, and any quarantined order whose SKUs the ERP now
holds active (re-checked in one lookup, so a release never depends on the feed alone), gets its order
job again; that job posts it and resolves the merchandising problem. Nobody re-enters anything.
"""

from __future__ import annotations

from shopbridge.domain.order_sync import OrderSync
from shopbridge.domain.records import ItemStatus
from shopbridge.engine.job import Job
from shopbridge.flows import order_to_sales_order as orders
from shopbridge.flows.spec import Flow, FlowContext

__all__ = ["FLOW", "KIND", "release_ready"]

SCHEDULE = "erp_items"
KIND = f"sweep.{SCHEDULE}"
CURSOR = "erp.items"
PAGE = 200


def handle(job: Job, ctx: FlowContext) -> None:
    """Read the items feed to its end, then release every quarantined order the ERP can now take."""
    changed = _read_feed(ctx)
    with ctx.uow.begin() as tx:
        waiting = tx.quarantined_orders()
    if waiting:
        release_ready(ctx, waiting, hint=changed)


def release_ready(ctx: FlowContext, waiting: list[OrderSync], *, hint: set[str]) -> int:
    """Enqueue the order job of each waiting order whose SKUs are all active now; returns how many."""
    wanted = sorted({sku for sync in waiting for sku in sync.missing_skus})
    items = ctx.erp.get_items(wanted)
    active = {sku for sku, item in items.items() if item.status is ItemStatus.ACTIVE}
    with ctx.uow.begin() as tx:  # a SKU on several Shopify variants waits for merchandising
        ambiguous = {sku for sync in waiting for sku in tx.duplicate_skus(sync.shop, sync.missing_skus)}
    ready = [sync for sync in waiting if set(sync.missing_skus) <= active - ambiguous]
    with ctx.uow.begin() as tx:
        for sync in ready:
            tx.enqueue(
                orders.KIND,
                {"order_id": sync.order_id, "source": "release", "topic": "release"},
                entity_key=orders.order_entity_key(sync.shop, sync.order_id),
                dedup_key=f"release:{sync.shop}:{sync.order_id}",
                shop=sync.shop,
            )
            seen_in_feed = sorted(set(sync.missing_skus) & hint)
            tx.add_trail(
                sync.shop,
                sync.order_id,
                "release_requested",
                {"skus": list(sync.missing_skus), "in_feed": seen_in_feed},
            )
    return len(ready)


def _read_feed(ctx: FlowContext) -> set[str]:
    """The SKUs created or changed in the ERP since the cursor; the cursor moves page by page."""
    changed: set[str] = set()
    with ctx.uow.begin() as tx:
        cursor = tx.cursor(CURSOR)
    while True:
        page = ctx.erp.items_changed(cursor, limit=PAGE)
        changed.update(item.sku for item in page.items)
        cursor = page.next_cursor
        if cursor is not None:
            with ctx.uow.begin() as tx:
                tx.set_cursor(CURSOR, cursor)
        if not page.has_more:
            return changed


FLOW = Flow(switch="orders", kind=KIND, handle=handle, schedule=SCHEDULE)
