"""Workers: claim a batch of jobs, run each job's handler, record the outcomes.

How a handler's outcome maps onto the job:

* it returns: the job is ``done``;
* it raises :class:`~shopbridge.errors.RetryLater` (or ``Throttled``): retry after the
  :class:`~shopbridge.engine.retry.RetryPolicy` delay, at least ``retry_after`` when given;
* it raises :class:`~shopbridge.errors.NeedsPerson` or :class:`~shopbridge.errors.BadInput`: ``dead`` at
  once (retrying will not help) with a problem of the error's kind and team;
* it raises anything else: retry like ``RetryLater``;
* a retry with no attempts left: ``dead`` with a ``JOB_DEAD_LETTERED`` problem saying what was tried.

A problem opened for a job concerns the entity named by the error's ``details`` (``entity_type`` and
``entity_id``) when given, else the job itself (``job``, id); replaying the job resolves it.

Outcomes of a batch are written in one transaction after the batch ran (fast: one round trip per
batch). Until then the jobs stay ``running`` under a lease the heartbeat thread keeps extending; if
the worker dies, the leases run out and another worker reclaims the jobs. Handlers must therefore be
idempotent (they are: jobs run at least once).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shopbridge.config.model import EngineSettings
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import queue
from shopbridge.engine.clock import Clock, SystemClock
from shopbridge.engine.job import Job
from shopbridge.engine.logcontext import entity_context
from shopbridge.engine.retry import RetryPolicy, Uniform
from shopbridge.engine.store import Store
from shopbridge.engine.wakeups import note_new_work
from shopbridge.errors import BadInput, NeedsPerson, RetryLater

__all__ = ["Handler", "HandlerContext", "Registry", "Worker", "default_worker_name"]

# While one idle worker of the process polls every poll_seconds, the others look this many times
# less often; new work wakes them at once (engine/wakeups.py).
IDLE_POLL_FACTOR = 10

log = logging.getLogger(__name__)

_MAX_ERROR_CHARS = 4000


@dataclass
class HandlerContext:
    """What a handler gets besides its job: the store, the clock and the wired services."""

    store: Store
    clock: Clock
    services: Any = None


Handler = Callable[[Job, HandlerContext], None]


class Registry:
    """Which handler runs which job kind."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._policies: dict[str, RetryPolicy] = {}
        # The stores this registry serves: with two or more, workers claim fairly across them.
        self.shops: tuple[str, ...] = ()

    def register(self, kind: str, handler: Handler, *, retry: RetryPolicy | None = None) -> None:
        """Route jobs of ``kind`` to ``handler`` (with its own ``retry`` policy, if not the default);
        registering a kind twice is a wiring bug."""
        if kind in self._handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = handler
        if retry is not None:
            self._policies[kind] = retry

    def retry_policy(self, kind: str) -> RetryPolicy | None:
        """The policy registered for ``kind``, or ``None`` for the engine's default."""
        return self._policies.get(kind)

    def kinds(self) -> set[str]:
        """Every registered kind (a worker claims only these)."""
        return set(self._handlers)

    def handler(self, kind: str) -> Handler:
        """The handler for ``kind``; KeyError if none."""
        return self._handlers[kind]


def default_worker_name(suffix: str = "") -> str:
    """host:pid:random, unique per worker so leases and outcomes are fenced per worker."""
    name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return f"{name}:{suffix}" if suffix else name


@dataclass(frozen=True)
class _Done:
    job: Job


@dataclass(frozen=True)
class _Retry:
    job: Job
    error: str
    retry_after: float | None = None


@dataclass(frozen=True)
class _Dead:
    job: Job
    error: str
    problem: ProblemReport | None = None


_Outcome = _Done | _Retry | _Dead


@dataclass
class _Heartbeat:
    """Extends the leases of a running batch every ``interval`` seconds until stopped."""

    worker: Worker
    batch: Sequence[Job]
    interval: float
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{self.worker.name}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(self.interval):
            try:
                self.worker.extend_leases(self.batch)
            except Exception:  # a missed beat is not fatal: the lease has slack for a few
                log.exception("heartbeat of %s failed", self.worker.name)


class Worker:
    """Claims and runs jobs; one thread each. ``run_once`` for tests, ``run_forever`` for service."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        *,
        clock: Clock | None = None,
        services: Any = None,
        settings: EngineSettings | None = None,
        name: str | None = None,
        uniform: Uniform | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or EngineSettings()
        self.name = name or default_worker_name()
        self.policy = RetryPolicy.from_settings(self.settings.retry)
        self.context = HandlerContext(store=store, clock=self.clock, services=services)
        self._uniform = uniform
        self._next_reap: datetime | None = None

    def run_once(self, *, stop: threading.Event | None = None) -> int:
        """Reclaim expired leases when due, claim one batch, run it, record it; returns jobs run."""
        self._maybe_reap()
        batch = self.claim()
        if not batch:
            return 0
        self.store.wakeups.signal(1)  # there may be more: one more idle worker looks (wakeups.py)
        with _Heartbeat(self, batch, self.settings.heartbeat_seconds):
            outcomes, unstarted = self._run_batch(batch, stop)
        self._record(outcomes, unstarted)
        return len(outcomes)

    def run_forever(self, stop: threading.Event, *, idle_timeout: float | None = None) -> None:
        """Work until ``stop`` is set (finishing the job in hand), or after ``idle_timeout`` idle seconds."""
        idle_since: float | None = None
        while not stop.is_set():
            try:
                ran = self.run_once(stop=stop)
            except Exception:  # the database went away, say: wait and try again, never die
                log.exception(
                    "worker %s: batch failed; retrying after %.1fs", self.name, self.settings.poll_seconds
                )
                ran = 0
            if ran:
                idle_since = None
                continue
            idle_since = idle_since if idle_since is not None else time.monotonic()
            if idle_timeout is not None and time.monotonic() - idle_since >= idle_timeout:
                return
            if not stop.is_set():  # woken at once by new work this process commits (wakeups.py)
                longer = self.settings.poll_seconds * IDLE_POLL_FACTOR
                if idle_timeout is not None:
                    longer = min(longer, max(0.0, idle_since + idle_timeout - time.monotonic()))
                self.store.wakeups.wait(self.settings.poll_seconds, others=longer)

    def claim(self) -> list[Job]:
        """Claim up to ``batch_size`` jobs of the registered kinds."""
        with self.store.begin() as conn:
            return queue.claim(
                conn,
                worker=self.name,
                limit=self.settings.batch_size,
                lease_seconds=self.settings.lease_seconds,
                now=self.clock.now(),
                kinds=self.registry.kinds(),
                shops=self.registry.shops,
            )

    def extend_leases(self, batch: Sequence[Job]) -> int:
        """Heartbeat: extend the leases of ``batch`` (those this worker still holds)."""
        lease_until = self.clock.now() + timedelta(seconds=self.settings.lease_seconds)
        with self.store.begin() as conn:
            return queue.extend_leases(conn, batch, worker=self.name, lease_until=lease_until)

    def reap(self) -> int:
        """Reclaim jobs whose lease ran out (their worker died); returns how many."""
        with self.store.begin() as conn:
            return queue.reclaim_expired(
                conn, now=self.clock.now(), default_max_attempts=self.policy.max_attempts
            )

    def _maybe_reap(self) -> None:
        now = self.clock.now()
        if self._next_reap is not None and now < self._next_reap:
            return
        # Reaping every half lease bounds how long a dead worker's job waits beyond its lease.
        self._next_reap = now + timedelta(seconds=min(30.0, self.settings.lease_seconds / 2))
        self.reap()

    def _run_batch(
        self, batch: Sequence[Job], stop: threading.Event | None
    ) -> tuple[list[_Outcome], list[Job]]:
        outcomes: list[_Outcome] = []
        for index, job in enumerate(batch):
            if stop is not None and stop.is_set():
                return outcomes, list(batch[index:])
            outcomes.append(self._run(job))
        return outcomes, []

    def _run(self, job: Job) -> _Outcome:
        with entity_context(
            entity=job.entity_key or f"job:{job.id}", job_id=job.id, kind=job.kind, shop=job.shop
        ):
            return self._run_handler(job)

    def _run_handler(self, job: Job) -> _Outcome:
        try:
            self.registry.handler(job.kind)(job, self.context)
        except RetryLater as exc:
            return _Retry(job, _describe(exc), exc.retry_after)
        except NeedsPerson as exc:
            return _Dead(job, _describe(exc), _needs_person_report(job, exc))
        except BadInput as exc:
            return _Dead(job, _describe(exc), _bad_input_report(job, exc))
        except Exception as exc:
            log.warning("job %s #%s attempt %s failed", job.kind, job.id, job.attempts, exc_info=True)
            return _Retry(job, _describe(exc))
        return _Done(job)

    def _record(self, outcomes: Sequence[_Outcome], unstarted: Sequence[Job]) -> None:
        now = self.clock.now()
        with self.store.begin() as conn:
            done = [o.job for o in outcomes if isinstance(o, _Done)]
            queue.complete(conn, done, worker=self.name, now=now)
            queue.release(conn, unstarted, worker=self.name, now=now)
            # the next job of each finished entity may run now, and released ones again: wake as many
            note_new_work(len([job for job in done if job.entity_key]) + len(unstarted))
            for outcome in outcomes:
                if isinstance(outcome, _Retry):
                    self._retry_or_bury(conn, outcome, now)
                elif isinstance(outcome, _Dead):
                    queue.dead_letter(
                        conn,
                        outcome.job,
                        worker=self.name,
                        error=outcome.error,
                        problem=outcome.problem,
                        now=now,
                    )

    def _retry_or_bury(self, conn: Any, outcome: _Retry, now: datetime) -> None:
        job = outcome.job
        policy = self.registry.retry_policy(job.kind) or self.policy
        if policy.exhausted(job.attempts, job.max_attempts):
            queue.dead_letter(conn, job, worker=self.name, error=outcome.error, now=now)
            return
        delay = policy.delay(job.attempts, retry_after=outcome.retry_after, uniform=self._uniform)
        run_after = now + timedelta(seconds=delay)
        queue.retry(conn, job, worker=self.name, error=outcome.error, run_after=run_after, now=now)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:_MAX_ERROR_CHARS]


def _entity(job: Job, details: dict[str, Any]) -> tuple[str, str]:
    if details.get("entity_type") and details.get("entity_id"):
        return str(details["entity_type"]), str(details["entity_id"])
    return "job", str(job.id)


def _needs_person_report(job: Job, exc: NeedsPerson) -> ProblemReport:
    entity_type, entity_id = _entity(job, exc.details)
    return ProblemReport(
        kind=exc.kind,
        team=exc.team,
        entity_type=entity_type,
        entity_id=entity_id,
        message=exc.message,
        resolution=exc.resolution,
        tried=f"attempt {job.attempts} of job {job.kind} #{job.id}; not retried: it needs a person",
        details={**exc.details, "job_id": job.id, "job_kind": job.kind, "entity_key": job.entity_key},
        shop=job.shop,
    )


def _bad_input_report(job: Job, exc: BadInput) -> ProblemReport:
    entity_type, entity_id = _entity(job, exc.details)
    return ProblemReport(
        kind=ProblemKind.JOB_DEAD_LETTERED,
        entity_type=entity_type,
        entity_id=entity_id,
        message=f"job {job.kind} #{job.id} was rejected as bad input: {exc.message}",
        tried=f"attempt {job.attempts}; not retried: the input itself is wrong",
        details={**exc.details, "job_id": job.id, "job_kind": job.kind, "entity_key": job.entity_key},
        shop=job.shop,
    )
