"""The overview's figures, read from the store: each flow's health, chart series, reconciliation.

A *flow* here is a job kind (``shopify.order``, ``stock.push``, the sweeps ...): its last success, the
lag since then, how many it finished in the last hour and day, and what waits. Charts are series of
(label, value) the page draws as SVG. The reconciliation checkpoints are read in one function,
:func:`reconciliation_today`, so the store that holds them can change without touching the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.admin import Services
from shopbridge.engine.schema import jobs, problems
from shopbridge.reconciliation_view import checkpoints_today

__all__ = [
    "FlowHealth",
    "Series",
    "flow_health",
    "jobs_per_hour",
    "problems_per_day",
    "queue_wait_per_hour",
    "reconciliation_today",
]

Series = list[tuple[str, float]]


@dataclass(frozen=True)
class FlowHealth:
    kind: str
    last_success: datetime | None
    lag_seconds: float | None
    done_last_hour: int
    done_last_day: int
    waiting: int
    failing: int  # dead jobs


def flow_health(services: Services) -> list[FlowHealth]:
    now = services.clock.now()
    done = jobs.c.state == "done"
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    query = sa.select(
        jobs.c.kind,
        sa.func.max(sa.case((done, jobs.c.finished_at))).label("last"),
        sa.func.sum(sa.case((sa.and_(done, jobs.c.finished_at >= hour), 1), else_=0)).label("hour"),
        sa.func.sum(sa.case((sa.and_(done, jobs.c.finished_at >= day), 1), else_=0)).label("day"),
        sa.func.sum(sa.case((jobs.c.state.in_(("pending", "running")), 1), else_=0)).label("waiting"),
        sa.func.sum(sa.case((jobs.c.state == "dead", 1), else_=0)).label("dead"),
    ).group_by(jobs.c.kind)
    with services.store.begin() as conn:
        rows = conn.execute(query.order_by(jobs.c.kind)).all()
    return [_health(row, now) for row in rows]


def _health(row: Any, now: datetime) -> FlowHealth:
    last = _aware(row.last)
    return FlowHealth(
        kind=row.kind,
        last_success=last,
        lag_seconds=(now - last).total_seconds() if last is not None else None,
        done_last_hour=int(row.hour or 0),
        done_last_day=int(row.day or 0),
        waiting=int(row.waiting or 0),
        failing=int(row.dead or 0),
    )


def _aware(moment: Any) -> datetime | None:
    """SQLite hands aggregates back as text or naive values; the store's times are UTC."""
    if moment is None:
        return None
    parsed: datetime = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _hours(now: datetime) -> list[datetime]:
    top = now.replace(minute=0, second=0, microsecond=0)
    return [top - timedelta(hours=n) for n in range(23, -1, -1)]


def jobs_per_hour(services: Services) -> Series:
    """Jobs finished in each of the last 24 hours (all kinds)."""
    now = services.clock.now()
    finished = _finished_since(services, now - timedelta(hours=24))
    buckets = {h: 0.0 for h in _hours(now)}
    for done_at, _ in finished:
        hour = done_at.replace(minute=0, second=0, microsecond=0)
        if hour in buckets:
            buckets[hour] += 1
    return [(h.strftime("%H:00"), n) for h, n in buckets.items()]


def queue_wait_per_hour(services: Services) -> Series:
    """The longest time from queued to done of the jobs finished in each of the last 24 hours, in minutes."""
    now = services.clock.now()
    finished = _finished_since(services, now - timedelta(hours=24))
    buckets = {h: 0.0 for h in _hours(now)}
    for done_at, waited in finished:
        hour = done_at.replace(minute=0, second=0, microsecond=0)
        if hour in buckets:
            buckets[hour] = max(buckets[hour], waited / 60)
    return [(h.strftime("%H:00"), round(n, 1)) for h, n in buckets.items()]


def _finished_since(services: Services, since: datetime) -> list[tuple[datetime, float]]:
    query = sa.select(jobs.c.created_at, jobs.c.finished_at).where(
        jobs.c.state == "done", jobs.c.finished_at >= since
    )
    with services.store.begin() as conn:
        rows = conn.execute(query).all()
    found = []
    for row in rows:
        done_at, created = _aware(row.finished_at), _aware(row.created_at)
        if done_at is not None and created is not None:
            found.append((done_at, (done_at - created).total_seconds()))
    return found


def problems_per_day(services: Services, *, days: int = 14) -> tuple[Series, Series]:
    """Problems opened and closed on each of the last ``days`` days."""
    today = services.clock.now().date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    with services.store.begin() as conn:
        opened = conn.execute(sa.select(problems.c.first_seen).where(problems.c.first_seen >= since)).all()
        closed = conn.execute(sa.select(problems.c.closed_at).where(problems.c.closed_at >= since)).all()
    return _per_day([r[0] for r in opened], first, days), _per_day([r[0] for r in closed], first, days)


def _per_day(moments: list[Any], first: date, days: int) -> Series:
    counts = {first + timedelta(days=n): 0.0 for n in range(days)}
    for moment in moments:
        aware = _aware(moment)
        if aware is not None and aware.date() in counts:
            counts[aware.date()] += 1
    return [(day.strftime("%d %b"), n) for day, n in counts.items()]


def reconciliation_today(services: Services) -> list[dict[str, Any]] | None:
    """Today's reconciliation checkpoints (shop, day, checkpoint, verdict, mismatches), or None when
    no report is kept for today or yesterday (:func:`shopbridge.reconciliation_view.checkpoints_today`)."""
    return checkpoints_today(services)
