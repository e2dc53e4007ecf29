"""The scheduler: turns periodic sweeps (intervals from config) into ``sweep.<name>`` jobs.

Several processes may run a scheduler against one database; a due schedule still fires once. Each
tick reads the due schedules, then moves each one's ``next_run_at`` with a compare-and-set
``UPDATE ... WHERE name = :name AND next_run_at = :seen``: only the process whose update changed a
row (rowcount 1) enqueues the job, in the same transaction. The job's dedup key (``sweep.<name>``)
also keeps a slow sweep from piling up behind itself: while one is pending or running, no second
one is added.

**One job per store.** A schedule that names ``shops`` (a flow's sweep: stock push, payouts,
dispatches...) fires one job per shop, each carrying its shop, so a second store's sweep runs with
that store's client and settings. With several shops each is keyed ``sweep.<name>:<shop>`` (a slow
sweep of one store does not hold back the other's); with one it keeps ``sweep.<name>``, the key a
sweep asked for by hand (the demo, the CLI) uses, so the two still never run at once. A schedule
without shops (the alerts, the order sweep that walks every shop itself) fires one job, keyed
``sweep.<name>``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from shopbridge.config.model import ScheduleSettings
from shopbridge.engine import queue
from shopbridge.engine.clock import Clock, SystemClock
from shopbridge.engine.schema import schedules
from shopbridge.engine.sql import upsert_insert
from shopbridge.engine.store import Store

__all__ = ["Schedule", "Scheduler", "schedules_from_settings", "sweep_dedup_key", "sweep_kind"]

log = logging.getLogger(__name__)

# ScheduleSettings fields that are not sweeps: the overlap is a duration, and expired leases are
# reclaimed by the workers themselves (every half lease), which needs no job.
_NOT_SWEEPS = frozenset({"order_sweep_overlap", "lease_reaper"})


@dataclass(frozen=True)
class Schedule:
    """A sweep that runs every ``interval_seconds``; once per shop in ``shops`` when it names any."""

    name: str
    interval_seconds: int
    shops: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.interval_seconds <= 0:
            raise ValueError(f"schedule {self.name!r} needs a positive interval")


def sweep_kind(name: str) -> str:
    """The job kind a schedule enqueues: ``sweep.<name>``."""
    return f"sweep.{name}"


def sweep_dedup_key(name: str, shop: str = "") -> str:
    """The dedup key of a scheduled sweep: ``sweep.<name>``, or ``sweep.<name>:<shop>`` for one shop's."""
    return f"{sweep_kind(name)}:{shop}" if shop else sweep_kind(name)


def schedules_from_settings(settings: ScheduleSettings) -> list[Schedule]:
    """One schedule per interval in ``[schedules]``; an interval of 0 turns that sweep off."""
    intervals = settings.model_dump()
    return [
        Schedule(name, int(seconds))
        for name, seconds in sorted(intervals.items())
        if name not in _NOT_SWEEPS and int(seconds) > 0
    ]


class Scheduler:
    """Fires due schedules as jobs; safe to run in several processes at once."""

    def __init__(self, store: Store, plan: Iterable[Schedule], *, clock: Clock | None = None) -> None:
        self.store = store
        self.plan = {schedule.name: schedule for schedule in plan}
        self.clock: Clock = clock or SystemClock()

    def sync(self) -> None:
        """Add missing schedules (due now) and apply changed intervals; others stay idle."""
        now = self.clock.now()
        with self.store.begin() as conn:
            for schedule in self.plan.values():
                stmt = upsert_insert(conn, schedules).values(
                    name=schedule.name, interval_seconds=schedule.interval_seconds, next_run_at=now
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=[schedules.c.name], set_={"interval_seconds": schedule.interval_seconds}
                )
                conn.execute(stmt)

    def tick(self) -> list[str]:
        """Fire every due schedule this process wins; returns the names it fired."""
        now = self.clock.now()
        with self.store.begin() as conn:
            due = conn.execute(
                sa.select(schedules.c.name, schedules.c.next_run_at).where(
                    schedules.c.next_run_at <= now, schedules.c.name.in_(sorted(self.plan))
                )
            ).all()
        return [name for name, seen in due if self._fire(name, seen, now)]

    def _fire(self, name: str, seen: datetime, now: datetime) -> bool:
        schedule = self.plan[name]
        interval = schedule.interval_seconds
        with self.store.begin() as conn:
            # Compare-and-set: another process that fired this schedule first has moved next_run_at.
            moved = conn.execute(
                schedules.update()
                .where(schedules.c.name == name, schedules.c.next_run_at == seen)
                .values(next_run_at=now + timedelta(seconds=interval), last_run_at=now)
            ).rowcount
            if moved != 1:
                return False
            several = len(schedule.shops) > 1
            for shop in schedule.shops or ("",):
                queue.enqueue(
                    conn,
                    sweep_kind(name),
                    {"scheduled_at": now.isoformat()},
                    dedup_key=sweep_dedup_key(name, shop if several else ""),
                    shop=shop,
                    now=now,
                )
        log.info("schedule %s fired", name)
        return True

    def run_forever(self, stop: threading.Event, *, poll_seconds: float = 1.0) -> None:
        """Tick until ``stop`` is set; a failed tick is logged and retried on the next one."""
        self.sync()
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # a database blip must not stop the schedules for good
                log.exception("scheduler tick failed")
            stop.wait(poll_seconds)
