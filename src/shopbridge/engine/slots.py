"""Concurrency slots over the store: at most N holders at once across every thread, process and host.

The ERP is the slow side and accepts only so many requests at once (Sage 200: about 10). Workers on
several machines share one store, so the limit lives there: the ``erp_slots`` table holds one row per
slot of a pool. Acquiring is one statement that takes the lowest free slot, where *free* means no
holder or a lease that has run out::

    UPDATE erp_slots SET holder = :me, lease_until = :now + lease, acquired_at = :now
     WHERE pool = :pool AND slot = (SELECT slot FROM erp_slots
                                     WHERE pool = :pool AND slot < :limit
                                       AND (holder IS NULL OR lease_until < :now)
                                     ORDER BY slot LIMIT 1 [FOR UPDATE SKIP LOCKED])
    RETURNING slot

On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent acquirers pass each other instead of
queueing on one row; on SQLite the store's ``BEGIN IMMEDIATE`` makes the statement the only writer.
Releasing clears the row only if it is still ours (``holder`` is unique per acquisition), so a late
release never frees a slot that expired and was taken by someone else.

Why a lease table rather than PostgreSQL advisory locks: it works the same on SQLite and PostgreSQL,
needs no connection held open for the length of an ERP request (a pool of 5 connections would
otherwise cap the ERP at 5), and shows who holds what in one ``SELECT``. The price is that a holder
that dies keeps its slot until its lease runs out, so the lease must outlast the longest request.

A waiter does not spin: it backs off with jitter (``base_delay`` doubling to ``max_delay``) and is
woken at once when a holder in its own process releases, so waiting across processes costs at most
about ``max_delay``, and within a process almost nothing. While this process itself holds every slot
of the pool, a waiter does not ask the store at all (the answer can only be "full"): it waits for a
release here, and looks again after ``FULL_HERE_RECHECK_SECONDS`` at most in case a lease ran out.
Each failed look is a write transaction, and on SQLite a busy pool's waiters looking every few
milliseconds took the store's one writer from the workers (five looks per slot taken, measured).

A slot released while a thread of the same process waits is handed to that thread, store untouched
(its lease row stays held; the token it carries is the row's), at most ``HANDOFFS_PER_LEASE`` times
and while at least half the lease is left; then it goes back through the store, where waiters of
other processes get their turn. A busy pool so skips two write transactions per request, and the
gap between one request and the next, which the ERP's slot spent idle.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.config.erp import ErpSettings
from shopbridge.engine.clock import Clock, SystemClock
from shopbridge.engine.schema import erp_slots as slots_table
from shopbridge.engine.sql import PerDialect, dialect_insert
from shopbridge.engine.store import Store
from shopbridge.errors import RetryLater

__all__ = ["Lease", "Slots", "erp_slots"]

log = logging.getLogger(__name__)

_t = slots_table.c
FULL_HERE_RECHECK_SECONDS = 1.0  # how long a waiter trusts "this process holds every slot"
HANDOFFS_PER_LEASE = 8  # hand-overs between this process's threads before the store sees the slot again


@dataclass(frozen=True)
class Lease:
    """One held slot: its number, the holder token that proves it is ours, and when it runs out."""

    pool: str
    slot: int
    holder: str
    until: datetime
    handoffs: int = 0  # times handed from one thread of this process to another, store untouched


def _build_acquire(dialect: str) -> Any:
    free = sa.or_(_t.holder.is_(None), _t.lease_until < sa.bindparam("now"))
    pick = (
        sa.select(_t.slot)
        .where(_t.pool == sa.bindparam("p"), _t.slot < sa.bindparam("limit"), free)
        .order_by(_t.slot)
        .limit(1)
    )
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return (
        sa.update(slots_table)
        .where(_t.pool == sa.bindparam("p"), _t.slot == pick.scalar_subquery())
        .values(holder=sa.bindparam("me"), lease_until=sa.bindparam("until"), acquired_at=sa.bindparam("now"))
        .returning(_t.slot)
    )


_ACQUIRE = PerDialect(_build_acquire)
_RELEASE = (
    sa.update(slots_table)
    .where(_t.pool == sa.bindparam("p"), _t.slot == sa.bindparam("s"), _t.holder == sa.bindparam("me"))
    .values(holder=None, lease_until=None, acquired_at=None)
)


class Slots:
    """A pool of ``limit`` slots in the store; :meth:`hold` is the context manager callers use.

    ``lease_seconds`` must outlast the longest request a slot covers (a holder still working when its
    lease runs out could see its slot taken, and the limit exceeded by one). ``wait_seconds`` bounds
    the wait for a slot: after it :class:`RetryLater` is raised, so a job backs off instead of
    queueing forever behind a stuck ERP.
    """

    def __init__(
        self,
        store: Store,
        *,
        limit: int,
        pool: str = "erp",
        lease_seconds: float = 120.0,
        wait_seconds: float = 60.0,
        base_delay: float = 0.002,
        max_delay: float = 0.05,
        clock: Clock | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"a slot pool needs at least one slot, got limit={limit}")
        if lease_seconds <= 0 or wait_seconds < 0:
            raise ValueError("lease_seconds must be positive and wait_seconds not negative")
        self.store = store
        self.limit = limit
        self.pool = pool
        self.lease = timedelta(seconds=lease_seconds)
        self.wait_seconds = wait_seconds
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.clock: Clock = clock or SystemClock()
        self._seeded = False
        self._freed = threading.Condition()
        self._releases = 0  # counts local releases, so a waiter never sleeps through one
        self._held_here = 0  # slots this process holds now (under self._freed)
        self._waiting = 0  # threads in acquire() (under self._freed)
        self._handed: list[Lease] = []  # released here for a waiter here, not yet taken

    # --- the usual way in -------------------------------------------------------------------------
    @contextmanager
    def hold(self) -> Iterator[Lease]:
        """Hold one slot for the block; released however the block ends (return, raise, timeout)."""
        lease = self.acquire()
        try:
            yield lease
        finally:
            self._release_quietly(lease)

    # --- the parts --------------------------------------------------------------------------------
    def acquire(self) -> Lease:
        """Wait for a free slot (backing off with jitter) and take it; RetryLater after ``wait_seconds``."""
        with self._freed:
            self._waiting += 1
        try:
            return self._acquire()
        finally:
            self._stop_waiting()

    def _acquire(self) -> Lease:
        deadline = time.monotonic() + self.wait_seconds
        delay = self.base_delay
        while True:
            seen = self._releases
            if self._full_here():  # no slot can be free: wait for one of ours, or look after a while
                self._wait_for_release(seen, min(FULL_HERE_RECHECK_SECONDS, deadline - time.monotonic()))
            lease = self._take_handed() or self.try_acquire()
            if lease is not None:
                return lease
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RetryLater(
                    f"all {self.limit} {self.pool} slots stayed busy for {self.wait_seconds:g}s",
                    retry_after=max(1.0, self.wait_seconds / 4),
                    details={"pool": self.pool, "limit": self.limit},
                )
            self._wait_for_release(seen, min(random.uniform(delay / 2, delay), remaining))
            delay = min(self.max_delay, delay * 2)

    def try_acquire(self) -> Lease | None:
        """Take a free slot now, or ``None`` if all ``limit`` are held (by unexpired leases)."""
        self._seed()
        now = self.clock.now()
        holder = _holder_token()
        until = now + self.lease
        params = {"p": self.pool, "limit": self.limit, "now": now, "me": holder, "until": until}
        with self.store.begin() as conn:
            slot = conn.execute(_ACQUIRE(conn), params).scalar_one_or_none()
        if slot is None:
            return None
        with self._freed:
            self._held_here += 1
        return Lease(self.pool, int(slot), holder, until)

    def release(self, lease: Lease) -> bool:
        """Give the slot back (to a waiter of this process, or to the store); ``False`` if it was no
        longer ours (its lease ran out and it was taken)."""
        return self._hand_over(lease) or self._give_back(lease)

    def _give_back(self, lease: Lease) -> bool:
        try:
            with self.store.begin() as conn:
                cleared = conn.execute(_RELEASE, {"p": lease.pool, "s": lease.slot, "me": lease.holder})
            return cleared.rowcount == 1
        finally:
            with self._freed:
                self._held_here = max(0, self._held_here - 1)
                self._releases += 1
                self._freed.notify()

    def in_use(self) -> int:
        """Slots of this pool held under an unexpired lease right now."""
        now = self.clock.now()
        held = sa.select(sa.func.count()).where(
            _t.pool == self.pool, _t.slot < self.limit, _t.holder.is_not(None), _t.lease_until >= now
        )
        with self.store.begin() as conn:
            return int(conn.execute(held).scalar_one())

    # --- internals --------------------------------------------------------------------------------
    def _hand_over(self, lease: Lease) -> bool:
        """Hand the slot to a thread of this process waiting for one, if the lease may go round again."""
        with self._freed:
            if (
                self._waiting <= len(self._handed)
                or lease.handoffs >= HANDOFFS_PER_LEASE
                or lease.until - self.clock.now() < self.lease / 2
            ):
                return False
            self._handed.append(replace(lease, handoffs=lease.handoffs + 1))
            self._releases += 1
            self._freed.notify()
            return True

    def _take_handed(self) -> Lease | None:
        with self._freed:
            return self._handed.pop(0) if self._handed else None

    def _stop_waiting(self) -> None:
        """The last waiter gone, a slot handed to nobody goes back to the store."""
        stranded: list[Lease] = []
        with self._freed:
            self._waiting -= 1
            if self._waiting == 0:
                stranded, self._handed = self._handed, []
        for lease in stranded:
            self._release_quietly_in_store(lease)

    def _full_here(self) -> bool:
        with self._freed:
            return self._held_here >= self.limit

    def _wait_for_release(self, seen: int, timeout: float) -> None:
        """Sleep until a holder of this process releases (after ``seen``), or ``timeout`` passes."""
        with self._freed:
            if self._releases == seen and timeout > 0:
                self._freed.wait(timeout)

    def _seed(self) -> None:
        # The rows of slots 0..limit-1, once per process; idempotent, so every process may do it.
        if self._seeded:
            return
        rows = [{"pool": self.pool, "slot": n} for n in range(self.limit)]
        with self.store.begin() as conn:
            conn.execute(dialect_insert(conn.dialect.name, slots_table).values(rows).on_conflict_do_nothing())
        self._seeded = True

    def _release_quietly(self, lease: Lease) -> None:
        self._quietly(self.release, lease)

    def _release_quietly_in_store(self, lease: Lease) -> None:
        self._quietly(self._give_back, lease)

    def _quietly(self, release: Callable[[Lease], bool], lease: Lease) -> None:
        try:
            if not release(lease):
                log.warning(
                    "%s slot %s had expired before its release (lease too short?)", self.pool, lease.slot
                )
        except sa.exc.SQLAlchemyError:
            # Never hide the caller's own outcome behind a failed release: the lease expires instead.
            log.warning(
                "could not release %s slot %s; it frees at %s",
                self.pool,
                lease.slot,
                lease.until,
                exc_info=True,
            )


def erp_slots(store: Store, settings: ErpSettings, *, clock: Clock | None = None) -> Slots | None:
    """The slots of ``erp.max_concurrency`` on ``store``, or ``None`` when the ERP has no limit (0)."""
    if settings.max_concurrency == 0:
        return None
    return Slots(
        store,
        limit=settings.max_concurrency,
        pool="erp",
        lease_seconds=settings.slot_lease_seconds,
        wait_seconds=settings.slot_wait_seconds,
        clock=clock,
    )


def _holder_token() -> str:
    """Unique per acquisition, and says where the holder runs (host, process, thread)."""
    return f"{_host()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:12]}"


@functools.cache
def _host() -> str:
    """The host's name, asked once: every ERP request takes a slot, and the system call is not free."""
    return socket.gethostname()[:120]
