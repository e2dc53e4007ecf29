"""At go-live, the orders a dry run only said it would post are posted, once each.

A dry-run order job runs to its end (its would-dos on the trail) and is done; nothing brings the
order back by itself once the orders flow is live (its versions are seen, the sweep skips them). So
``golive enable orders``, and every live run's start while the flow is live, enqueue the real order
job of each order the dry run would have posted and that the ERP does not hold through shopbridge yet.

**Once per order.** A marker per order (``inbox_events``, source ``golive``) is written with its job:
a second enable or a restart enqueues nothing more. The job is the normal order job: it reads the
order as Shopify has it now and decides (qualify, create, amend, skip, quarantine); the adapter looks
the ERP order up by reference before creating it, so an order the ERP already has is linked, not
posted twice. A catch-up job that nevertheless ran dry (a process still started with ``--dry-run``)
gives its marker back (:func:`rearm`), so the next live catch-up enqueues it again.

**And once more, a little later.** A dry-run order job still running when ``golive enable`` commits
records its would-do after the enable has read the trail; the enable therefore also queues one
``golive.catch_up`` job a few minutes on (:data:`CATCH_UP_KIND`), which catches up again.

**Cheap at every start.** The trail has no index on its step, so a cursor (``cursors``) keeps the
last trail id read: a start reads only the rows written since. The cursor stops short of rows written
in the last few minutes (a would-do still being committed may have a lower id than one already
visible); they are read again next time, and their markers keep them from being enqueued twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shopbridge.dryrun import DRY_RUN_PREFIX, WOULD_DO_STEP
from shopbridge.engine import golive_state, queue
from shopbridge.engine.batch import NewEvent, insert_event
from shopbridge.engine.cursors import get_cursor, set_cursor
from shopbridge.engine.job import Job
from shopbridge.engine.schema import cursors, inbox_events, order_syncs, trail
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext
from shopbridge.flows.order_to_sales_order import FLOW as ORDER_FLOW
from shopbridge.flows.order_to_sales_order import KIND as ORDER_KIND
from shopbridge.flows.order_to_sales_order import order_entity_key

__all__ = [
    "CATCH_UP_KIND",
    "CATCH_UP_SOURCE",
    "CaughtUp",
    "catch_up_orders",
    "catch_up_when_live",
    "enqueue_catch_up_again",
    "handle_catch_up",
    "is_catch_up",
    "rearm",
]

CATCH_UP_SOURCE = "golive"  # the markers' inbox source, and the catch-up jobs' payload "source"
WOULD_POST = "erp.create_sales_order"  # the would-do of an order the dry run would have posted
ORDER_GID = "gid://shopify/Order/"
CURSOR = "golive:orders:trail"  # the last trail id the catch-up has read for good
SETTLE = timedelta(minutes=5)  # rows younger than this are read again by the next catch-up
CATCH_UP_KIND = "golive.catch_up"  # the catch-up again, once the dry-run jobs in flight have finished


@dataclass(frozen=True)
class CaughtUp:
    """One order enqueued through the real order flow."""

    shop: str
    order_id: str
    job_id: int


def catch_up_orders(conn: sa.Connection, *, now: datetime) -> list[CaughtUp]:
    """Enqueue the order job of every order only a dry run would have posted; each at most once."""
    done = _held_by_erp(conn)
    enqueued = []
    for shop, order_id in _would_post(conn, now=now):
        if (shop, order_id) in done or insert_event(conn, _marker(shop, order_id), now=now) is None:
            continue
        job_id = queue.enqueue(
            conn,
            ORDER_KIND,
            {"order_id": order_id, "source": CATCH_UP_SOURCE, "topic": "golive"},
            entity_key=order_entity_key(shop, order_id),
            dedup_key=f"{CATCH_UP_SOURCE}:{order_entity_key(shop, order_id)}",
            shop=shop,
            now=now,
        )
        enqueued.append(CaughtUp(shop, order_id, job_id))
    return enqueued


def enqueue_catch_up_again(conn: sa.Connection, *, now: datetime) -> int:
    """The catch-up once more after :data:`SETTLE`, by a worker (one such job pending at a time)."""
    later = now + SETTLE + timedelta(minutes=1)
    return queue.enqueue(conn, CATCH_UP_KIND, {}, dedup_key=CATCH_UP_KIND, run_after=later, now=now)


def handle_catch_up(job: Job, ctx: HandlerContext) -> None:
    """The ``golive.catch_up`` job: as at a run's start (nothing while this process runs forced dry)."""
    services = ctx.services
    catch_up_when_live(ctx.store, now=ctx.clock.now(), forced_dry=bool(getattr(services, "dry_run", False)))


def catch_up_when_live(store: Store, *, now: datetime, forced_dry: bool = False) -> list[CaughtUp]:
    """The catch-up at a run's start: only once ``golive enable orders`` has switched the flow live
    (an installation that never ran dry reads one small table), and never in a forced dry run."""
    if forced_dry:
        return []
    with store.begin() as conn:
        switch = golive_state.flow_switches(conn).get(ORDER_FLOW.switch)
        if switch is None or not switch.live:
            return []
        return catch_up_orders(conn, now=now)


def is_catch_up(payload: dict[str, object]) -> bool:
    return payload.get("source") == CATCH_UP_SOURCE


def rearm(store: Store, shop: str, order_id: str) -> None:
    """Forget that ``order_id`` was caught up (its job ran dry): the next live catch-up enqueues it."""
    with store.begin() as conn:
        conn.execute(cursors.delete().where(cursors.c.name == CURSOR))  # its would-dos are read again
        conn.execute(
            inbox_events.delete().where(
                inbox_events.c.source == CATCH_UP_SOURCE,
                inbox_events.c.shop == shop,
                inbox_events.c.event_id == _number(order_id),
            )
        )


def _would_post(conn: sa.Connection, *, now: datetime) -> list[tuple[str, str]]:
    """(shop, order GID) of each order with a would-be sales order on its trail since the cursor,
    oldest first; the cursor moves past the rows older than :data:`SETTLE`."""
    after = int(get_cursor(conn, CURSOR) or 0)
    query = (
        sa.select(trail.c.id, trail.c.shop, trail.c.entity_id, trail.c.at, trail.c.detail)
        .where(trail.c.id > after, trail.c.step == WOULD_DO_STEP, trail.c.entity_id.like(f"{ORDER_GID}%"))
        .order_by(trail.c.id)
    )
    found: dict[tuple[str, str], None] = {}
    settled, settling = after, False
    for row_id, shop, entity_id, at, detail in conn.execute(query):
        if detail.get("kind") == WOULD_POST:
            found.setdefault((str(shop), str(entity_id)))
        settling = settling or at > now - SETTLE  # from the first young row on, nothing is settled
        if not settling:
            settled = int(row_id)
    if settled > after:
        set_cursor(conn, CURSOR, str(settled), now=now)
    return list(found)


def _held_by_erp(conn: sa.Connection) -> set[tuple[str, str]]:
    """Orders the live flow has already posted or linked (a real ERP document on their sync)."""
    query = sa.select(order_syncs.c.shop, order_syncs.c.order_id).where(
        order_syncs.c.erp_id != "", sa.not_(order_syncs.c.erp_id.like(f"{DRY_RUN_PREFIX}%"))
    )
    return {(str(shop), str(order_id)) for shop, order_id in conn.execute(query)}


def _number(order_id: str) -> str:
    return order_id.rsplit("/", 1)[-1]


def _marker(shop: str, order_id: str) -> NewEvent:
    return NewEvent(
        source=CATCH_UP_SOURCE,
        shop=shop,
        topic="golive/orders",
        event_id=_number(order_id),
        payload="",
        status="enqueued",
    )
