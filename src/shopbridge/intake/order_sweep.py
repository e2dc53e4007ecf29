"""The order sweep: orders updated since a watermark, fed to the same job as the order webhooks.

Webhooks are hints, sweeps are the truth (docs/architecture.md invariant 3): Shopify's delivery is best
effort, so every ``[schedules] order_sweep`` seconds a ``sweep.orders`` job per shop reads the orders
updated since the watermark minus ``order_sweep_overlap`` and enqueues one ``shopify.order`` job per
order version not seen before (:func:`shopbridge.intake.webhooks.enqueue_order_version`). A webhook and
a sweep of the same version therefore make one job, and the overlap costs reads, not work.

**The watermark never passes the sweep's own start.** Shopify's search is ordered by ``updatedAt`` and
paged: an order updated *while* the sweep pages through the results moves behind a page already
read. If the watermark advanced to "now at the end" or to "the newest updatedAt seen", that order
would fall between two sweeps and never be read. Setting it to the time the sweep *started* (and
reading ``overlap`` behind it next time, for clock skew and search-index lag) reads it next time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.connectors.shopify.pagination import Executor, iterate_pages
from shopbridge.engine import audit, cursors, queue
from shopbridge.engine.job import Job
from shopbridge.engine.scheduler import sweep_kind
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext
from shopbridge.intake.webhooks import enqueue_order_version, graphql_order_state

__all__ = [
    "KINDS",
    "SCHEDULED_KIND",
    "SWEEP_KIND",
    "cursor_name",
    "enqueue_sweep",
    "handle_sweep",
    "request_sweep",
    "start_watermark",
    "sweep_orders",
    "sweep_query",
]

SWEEP_KIND = "sweep.orders"  # one shop: payload {"shop": name} (enqueue_sweep, the CLI, tests)
SCHEDULED_KIND = sweep_kind("order_sweep")  # what the engine's scheduler fires: every configured shop
PAGE_SIZE = 100


def cursor_name(shop: str) -> str:
    return f"shopify.orders.updated_at:{shop}"


def sweep_query(since: datetime) -> str:
    """Shopify's search syntax for "updated at or after ``since``" (UTC, second precision)."""
    return f"updated_at:>='{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def enqueue_sweep(conn: sa.Connection, shop: str, *, now: datetime) -> int:
    """Ask for a sweep of ``shop``; at most one is pending or running per shop (dedup key)."""
    return queue.enqueue(
        conn, SWEEP_KIND, {"shop": shop}, dedup_key=f"{SWEEP_KIND}:{shop}", shop=shop, now=now
    )


def start_watermark(store: Store, shop: str, at: datetime) -> bool:
    """Give a shop with no watermark its first one, so the first sweep reads back to ``at``.

    Without it the first sweep starts at "now minus overlap" (a new installation does not replay
    years of history by accident); an installer who wants a back-fill from a date sets it here.
    Returns False, changing nothing, when the shop already has a watermark.
    """
    with store.begin() as conn:
        if cursors.get_cursor(conn, cursor_name(shop)) is not None:
            return False
        cursors.set_cursor(conn, cursor_name(shop), at.isoformat(), now=at)
    return True


def request_sweep(
    store: Store, shop: str, *, actor: str, now: datetime, since: datetime | None = None
) -> int:
    """A person asks for a sweep of ``shop`` now; with ``since``, a back-fill from that moment.

    Moving the watermark back is safe: versions already seen are deduplicated, so only what was
    missed becomes a job. The request is audited with its actor. Returns the sweep job's id.
    """
    with store.begin() as conn:
        if since is not None:
            cursors.set_cursor(conn, cursor_name(shop), since.isoformat(), now=now)
        job_id = enqueue_sweep(conn, shop, now=now)
        detail = {"since": since.isoformat() if since else None, "job_id": job_id}
        audit.record(
            conn,
            actor=actor,
            action="sweep.request",
            entity_type="shop",
            entity_id=shop,
            detail=detail,
            now=now,
        )
    return job_id


def sweep_orders(
    store: Store,
    client: Executor,
    *,
    shop: str,
    overlap: timedelta,
    started: datetime,
    page_size: int = PAGE_SIZE,
) -> int:
    """Run one sweep of ``shop`` begun at ``started``; returns the number of jobs enqueued."""
    with store.begin() as conn:
        watermark = cursors.get_cursor(conn, cursor_name(shop))
    since = (datetime.fromisoformat(watermark) if watermark else started) - overlap
    enqueued = 0
    for page in iterate_pages(
        client, "orders_updated_since", {"query": sweep_query(since)}, ("orders",), page_size=page_size
    ):
        enqueued += _enqueue_page(store, shop, page, now=started)
    with store.begin() as conn:
        cursors.set_cursor(conn, cursor_name(shop), started.isoformat(), now=started)
    return enqueued


def _enqueue_page(store: Store, shop: str, page: list[Any], *, now: datetime) -> int:
    """One transaction per page: a crash mid-sweep keeps what was enqueued, and the rerun dedupes."""
    count = 0
    with store.begin() as conn:
        for node in page:
            payload = {"topic": "sweep", "source": "sweep", "shopify_id": node["id"]}
            job = enqueue_order_version(
                conn,
                shop=shop,
                order_id=node["id"],
                updated_at=node["updatedAt"],
                state=graphql_order_state(node),
                payload=payload,
                now=now,
            )
            count += job is not None
    return count


def handle_sweep(job: Job, ctx: HandlerContext) -> None:
    """Sweep the job's shop, or every configured shop when it names none (the scheduler's job).

    Needs ``ctx.services`` with ``settings`` and ``shopify(shop)``. Each shop is swept even if an
    earlier one failed; the first failure is raised afterwards so the job is retried (shops already
    swept are cheap to sweep again: their versions are deduplicated).
    """
    named = str(job.payload.get("shop") or job.shop)
    shops = [named] if named else [shop.name for shop in ctx.services.settings.shops]
    overlap = timedelta(seconds=ctx.services.settings.schedules.order_sweep_overlap)
    failures: list[Exception] = []
    for shop in shops:
        try:
            sweep_orders(
                ctx.store, ctx.services.shopify(shop), shop=shop, overlap=overlap, started=ctx.clock.now()
            )
        except Exception as exc:  # keep sweeping the other shops; raised below
            failures.append(exc)
    if failures:
        raise failures[0]


KINDS = (SWEEP_KIND, SCHEDULED_KIND)  # both run handle_sweep; bootstrap registers them
