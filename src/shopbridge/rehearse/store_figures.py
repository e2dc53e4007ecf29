"""Per-store figures of a two-store rehearsal: each store's queue age, throughput, Shopify budget use
and ground truth, and whether the quiet store waited for the busy one's backlog.

The queue age is sampled (the oldest pending job of each shop, every half second); the rest is read
after the drain from the store's own records (the order jobs' creation and finish, the ERP links)
and from the ERP sandbox (each order's sales order, by its reference).
"""

from __future__ import annotations

import contextlib
import statistics
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.clock import Clock
from shopbridge.engine.schema import jobs, links
from shopbridge.engine.store import Store
from shopbridge.flows.order_to_sales_order import ENTITY as ORDER_ENTITY
from shopbridge.flows.order_to_sales_order import KIND as ORDER_KIND
from shopbridge.flows.stock_to_shopify import KIND as STOCK_SWEEP
from shopbridge.rehearse.truth import Finding

__all__ = ["QueueAgeSampler", "StoreRun", "fairness", "store_figures", "store_findings"]

SAMPLE_SECONDS = 0.5


@dataclass
class QueueAgeSampler:
    """The oldest pending job's age per shop, sampled on a thread of its own; the maximum is kept."""

    store: Store
    clock: Clock
    peak_age: dict[str, float] = field(default_factory=dict)
    peak_pending: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rehearse-store-ages", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def take(self) -> None:
        now = self.clock.now()
        query = (
            sa.select(jobs.c.shop, sa.func.count(), sa.func.min(jobs.c.created_at))
            .where(jobs.c.state == "pending")
            .group_by(jobs.c.shop)
        )
        with self.store.begin() as conn:
            rows = conn.execute(query).all()
        for shop, pending, oldest in rows:
            age = (now - oldest).total_seconds() if oldest is not None else 0.0
            self.peak_age[shop] = max(self.peak_age.get(shop, 0.0), age)
            self.peak_pending[shop] = max(self.peak_pending.get(shop, 0), int(pending))

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a missed sample is a gap, not a failure
                self.take()
            self._stop.wait(SAMPLE_SECONDS)


@dataclass(frozen=True)
class StoreRun:
    """One store's part of the run: its name, the orders it placed, its budget meter's reading."""

    shop: str
    label: str
    names: list[str]
    shopify_points: int
    shopify_throttled: int
    restore_rate: float


def store_figures(
    store: Store,
    runs: list[StoreRun],
    sampler: QueueAgeSampler,
    *,
    since: datetime,
    window_seconds: float,
    erp_references: Iterable[str],
) -> dict[str, Any]:
    """Each store's figures from ``since`` (the peak's start) and the fairness between them."""
    in_erp = Counter(erp_references)
    with store.begin() as conn:
        finished = _order_jobs(conn, since)
        posted = _links(conn, since)
        outcomes = _job_outcomes(conn, since)
    stores = {
        run.label: _one_store(run, finished.get(run.shop, []), posted.get(run.shop, 0), sampler, in_erp)
        | {
            "shopify_budget_share_used": _share(run, window_seconds),
            "stock_sweeps_done": outcomes.get((run.shop, STOCK_SWEEP, "done"), 0),
            "dead_jobs": sum(
                n for (shop, _, state), n in outcomes.items() if shop == run.shop and state == "dead"
            ),
        }
        for run in runs
    }
    return {
        "window_seconds": round(window_seconds, 2),
        "by_store": stores,
        "fairness": fairness(finished, runs),
    }


def _one_store(
    run: StoreRun,
    finished: list[tuple[datetime, datetime]],
    posted: int,
    sampler: QueueAgeSampler,
    in_erp: Counter[str],
) -> dict[str, Any]:
    waits = sorted((done - created).total_seconds() for created, done in finished)
    first = min((created for created, _ in finished), default=None)
    last = max((done for _, done in finished), default=None)
    span = (last - first).total_seconds() if first is not None and last is not None else 0.0
    return {
        "shop": run.shop,
        "orders_placed": len(run.names),
        "orders_posted_to_erp": posted,
        "orders_per_second": round(posted / span, 2) if span > 0 else float(posted),
        "order_jobs_done": len(finished),
        "order_job_seconds_median": round(statistics.median(waits), 2) if waits else 0.0,
        "order_job_seconds_max": round(waits[-1], 2) if waits else 0.0,
        "peak_queue_age_seconds": round(sampler.peak_age.get(run.shop, 0.0), 2),
        "peak_pending_jobs": sampler.peak_pending.get(run.shop, 0),
        "shopify_points": run.shopify_points,
        "shopify_throttled": run.shopify_throttled,
        "lost": sorted(name for name in run.names if not in_erp.get(name)),
        "duplicated": sorted(name for name in set(run.names) if in_erp.get(name, 0) > 1),
    }


def _share(run: StoreRun, window_seconds: float) -> float:
    capacity = run.restore_rate * window_seconds
    return round(run.shopify_points / capacity, 4) if capacity > 0 else 0.0


def fairness(finished: dict[str, list[tuple[datetime, datetime]]], runs: list[StoreRun]) -> dict[str, Any]:
    """Did the quiet store (the last of ``runs``) finish its orders while the busy one still had a backlog?

    ``busy_jobs_after_quiet_done`` counts the busy store's order jobs finished after the quiet store's
    last: with a fair claim, the quiet store's orders are all in the ERP long before the peak drains.
    """
    busy, quiet = runs[0], runs[-1]
    quiet_done = max((done for _, done in finished.get(quiet.shop, [])), default=None)
    after = sum(1 for _, done in finished.get(busy.shop, []) if quiet_done is not None and done > quiet_done)
    return {
        "busy_store": busy.label,
        "quiet_store": quiet.label,
        "busy_jobs_after_quiet_done": after,
        "quiet_done_before_busy_drained": after > 0,
    }


def store_findings(figures: dict[str, Any]) -> list[Finding]:
    """A store's lost or duplicated orders are findings of the rehearsal, named by store."""
    found = []
    for label, one in figures["by_store"].items():
        if one["lost"]:
            found.append(
                Finding(f"{label}: orders lost", f"{len(one['lost'])} orders are not in the ERP", one["lost"])
            )
        if one["duplicated"]:
            found.append(
                Finding(f"{label}: orders duplicated", "orders in the ERP more than once", one["duplicated"])
            )
    return found


def _order_jobs(conn: sa.Connection, since: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
    query = sa.select(jobs.c.shop, jobs.c.created_at, jobs.c.finished_at).where(
        jobs.c.kind == ORDER_KIND, jobs.c.state == "done", jobs.c.created_at >= since
    )
    found: dict[str, list[tuple[datetime, datetime]]] = {}
    for shop, created, done in conn.execute(query):
        if done is not None:
            found.setdefault(shop, []).append((created, done))
    return found


def _job_outcomes(conn: sa.Connection, since: datetime) -> dict[tuple[str, str, str], int]:
    query = (
        sa.select(jobs.c.shop, jobs.c.kind, jobs.c.state, sa.func.count())
        .where(jobs.c.created_at >= since)
        .group_by(jobs.c.shop, jobs.c.kind, jobs.c.state)
    )
    return {(shop, kind, state): int(n) for shop, kind, state, n in conn.execute(query)}


def _links(conn: sa.Connection, since: datetime) -> dict[str, int]:
    query = (
        sa.select(links.c.shop, sa.func.count())
        .where(links.c.entity_type == ORDER_ENTITY, links.c.created_at >= since)
        .group_by(links.c.shop)
    )
    return {shop: int(count) for shop, count in conn.execute(query)}
