"""The job queue: enqueue in the caller's transaction, claim, lease, complete, retry, dead-letter.

Life of a job: ``pending`` -> (claim) ``running`` -> ``done``; a failure sends it back to
``pending`` with a later ``run_after``, or to ``dead`` when its attempts are used up. The attempt is
counted at claim, so a worker that dies mid-job still uses one up (a job that kills its worker
cannot loop forever).

**Per-entity ordering.** A job with an ``entity_key`` is claimable only if no *earlier* job (lower
id) with the same key is pending, running or dead. So jobs for one order run one at a time and in
creation order, and a *dead* job holds every later job of its entity until it is replayed or
discarded: applying an order edit before the order itself exists would be wrong. A partial unique
index (one running job per entity key) backs this up in the database.

**Claiming.** PostgreSQL: one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)
RETURNING`` claims a batch in one round trip while other workers skip the locked rows. SQLite:
the store begins every transaction with ``BEGIN IMMEDIATE`` (one writer at a time), so the same
statement has the same meaning. With several stores configured, the claim takes each store's oldest
in turn (:mod:`shopbridge.engine.fair_claim`), with the same locking.

**Leases.** A claimed job carries ``lease_until``; the worker's heartbeat extends it while the
handler runs. A job whose lease ran out (its worker died) is reclaimed: back to pending, or dead if
its attempts are used up. Completing or failing is fenced on (id, attempts, locked_by), so a worker
that lost its lease cannot overwrite the outcome of the attempt that replaced it.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.engine import fair_claim
from shopbridge.engine.batch import NewJob, insert_job
from shopbridge.engine.job import Job, JobState, job_from_row
from shopbridge.engine.problems import report_problem
from shopbridge.engine.queue_admin import (
    JobStat,
    discard,
    get_job,
    list_jobs,
    replay,
    retry_now,
    stats,
)
from shopbridge.engine.schema import ACTIVE_JOB_STATES, jobs

__all__ = [
    "Job",
    "JobStat",
    "JobState",
    "claim",
    "complete",
    "dead_letter",
    "discard",
    "enqueue",
    "extend_leases",
    "get_job",
    "list_jobs",
    "reclaim_expired",
    "release",
    "replay",
    "retry",
    "retry_now",
    "stats",
]

_RUNNING = JobState.RUNNING.value
_PENDING = JobState.PENDING.value
# What a claim sets: running, one more attempt, the lease and its holder.
_RUNNING_VALUES: dict[str, Any] = {
    "state": _RUNNING,
    "attempts": jobs.c.attempts + 1,
    "lease_until": sa.bindparam("lease_until", type_=jobs.c.lease_until.type),
    "locked_by": sa.bindparam("worker", type_=jobs.c.locked_by.type),
    "updated_at": sa.bindparam("now", type_=jobs.c.updated_at.type),
}


def enqueue(
    conn: sa.Connection,
    kind: str,
    payload: Mapping[str, Any],
    *,
    entity_key: str | None = None,
    dedup_key: str | None = None,
    run_after: datetime | None = None,
    shop: str = "",
    max_attempts: int | None = None,
    now: datetime | None = None,
) -> int:
    """Add a job inside the caller's transaction (outbox) and return its id.

    If an active (pending or running) job with the same ``dedup_key`` exists, nothing is inserted and
    that job's id is returned. Jobs sharing an ``entity_key`` run one at a time in creation order (a
    dead one holds the rest until replayed or discarded). ``max_attempts`` None means the engine's
    configured ``retry.max_attempts``. ``now`` defaults to the wall clock; ``run_after`` to ``now``.
    """
    job = NewJob(
        kind=kind,
        payload=payload,
        entity_key=entity_key,
        dedup_key=dedup_key,
        run_after=run_after,
        shop=shop,
        max_attempts=max_attempts,
    )
    return _enqueue(conn, job, now or datetime.now(UTC))


_ACTIVE_BY_DEDUP_KEY = sa.select(jobs.c.id).where(
    jobs.c.dedup_key == sa.bindparam("dedup_key"), jobs.c.state.in_(ACTIVE_JOB_STATES)
)


def _enqueue(conn: sa.Connection, job: NewJob, now: datetime) -> int:
    # The insert is the prepared ON CONFLICT DO NOTHING of batch.enqueue_jobs, so it is atomic: two
    # processes enqueueing the same key at once end with one job. The existing job may finish between
    # our conflict and our read; then the key is free again and the next round inserts.
    for _ in range(5):
        new_id = insert_job(conn, job, now=now)
        if new_id is not None:
            return new_id
        existing = conn.execute(_ACTIVE_BY_DEDUP_KEY, {"dedup_key": job.dedup_key}).scalar_one_or_none()
        if existing is not None:
            return int(existing)
    raise RuntimeError(f"could not enqueue or find the job with dedup_key {job.dedup_key!r}")


def claim(
    conn: sa.Connection,
    *,
    worker: str,
    limit: int,
    lease_seconds: float,
    now: datetime,
    kinds: Collection[str] | None = None,
    shops: Sequence[str] = (),
) -> list[Job]:
    """Claim up to ``limit`` due jobs for ``worker`` (attempt counted, lease set), oldest first.

    With two or more ``shops`` (the configured stores), oldest first *per shop*, round-robin across
    them, so one store's backlog does not starve another's jobs (:mod:`shopbridge.engine.fair_claim`).
    """
    kinds_key = None if kinds is None else tuple(sorted(kinds))
    params: dict[str, Any] = {
        "now": now,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "worker": worker,
    }
    if len(shops) > 1:
        ids = fair_claim.pick(conn, _fair_arms(limit, kinds_key, tuple(shops)), limit=limit, now=now)
        if not ids:
            return []
        rows = conn.execute(_take_statement(), {**params, "ids": ids})
    else:
        rows = conn.execute(_claim_statement(limit, kinds_key), params)
    return sorted((job_from_row(row) for row in rows), key=lambda job: job.id)


@functools.lru_cache(maxsize=64)
def _fair_arms(
    limit: int, kinds: tuple[str, ...] | None, shops: tuple[str, ...]
) -> tuple[sa.Select[Any], ...]:
    return fair_claim.arms(_claimable(kinds), shops, limit)


@functools.lru_cache(maxsize=1)
def _take_statement() -> sa.Update:
    # The fair claim's rows are already locked (or under SQLite's writer lock): still fenced on pending.
    chosen = jobs.c.id.in_(sa.bindparam("ids", expanding=True))
    return jobs.update().where(chosen, jobs.c.state == _PENDING).values(**_RUNNING_VALUES).returning(*jobs.c)


@functools.lru_cache(maxsize=64)
def _claim_statement(limit: int, kinds: tuple[str, ...] | None) -> sa.Update:
    # Built once per (limit, kinds): building the expression costs more than running it.
    candidates = _claimable(kinds).order_by(jobs.c.id).limit(limit)
    # SKIP LOCKED: rows another worker is claiming right now are passed over, not waited for.
    candidates = candidates.with_for_update(skip_locked=True)
    return (
        jobs.update()
        .where(jobs.c.id.in_(candidates.scalar_subquery()))
        .values(**_RUNNING_VALUES)
        .returning(*jobs.c)
    )


def _claimable(kinds: tuple[str, ...] | None) -> sa.Select[Any]:
    earlier = jobs.alias("earlier")
    blocked = (
        sa.select(earlier.c.id)
        .where(earlier.c.entity_key == jobs.c.entity_key, earlier.c.id < jobs.c.id)
        .where(earlier.c.state.in_((_PENDING, _RUNNING, JobState.DEAD.value)))
    )
    query = sa.select(jobs.c.id).where(
        jobs.c.state == _PENDING,
        jobs.c.run_after <= sa.bindparam("now", type_=jobs.c.run_after.type),
        sa.or_(jobs.c.entity_key.is_(None), ~blocked.exists()),
    )
    if kinds is not None:
        query = query.where(jobs.c.kind.in_(kinds))
    return query


def _fenced(batch: Sequence[Job], worker: str) -> sa.ColumnElement[bool]:
    # (id, attempts) names one attempt: a late outcome of an expired attempt matches nothing.
    pairs = [(job.id, job.attempts) for job in batch]
    return sa.and_(
        jobs.c.state == _RUNNING,
        jobs.c.locked_by == worker,
        sa.tuple_(jobs.c.id, jobs.c.attempts).in_(pairs),
    )


def complete(conn: sa.Connection, batch: Sequence[Job], *, worker: str, now: datetime) -> int:
    """Mark the claimed jobs done in one statement; returns how many were still ours to complete."""
    if not batch:
        return 0
    stmt = (
        jobs.update()
        .where(_fenced(batch, worker))
        .values(state=JobState.DONE.value, lease_until=None, locked_by=None, finished_at=now, updated_at=now)
    )
    return conn.execute(stmt).rowcount


def release(conn: sa.Connection, batch: Sequence[Job], *, worker: str, now: datetime) -> int:
    """Give back claimed jobs that were never started (a stopping worker): the attempt is returned too."""
    if not batch:
        return 0
    stmt = (
        jobs.update()
        .where(_fenced(batch, worker))
        .values(
            state=_PENDING, attempts=jobs.c.attempts - 1, lease_until=None, locked_by=None, updated_at=now
        )
    )
    return conn.execute(stmt).rowcount


def retry(
    conn: sa.Connection, job: Job, *, worker: str, error: str, run_after: datetime, now: datetime
) -> bool:
    """Send a failed attempt back to pending until ``run_after``; False if the lease was lost."""
    stmt = (
        jobs.update()
        .where(_fenced([job], worker))
        .values(
            state=_PENDING,
            run_after=run_after,
            lease_until=None,
            locked_by=None,
            last_error=error,
            updated_at=now,
        )
    )
    return conn.execute(stmt).rowcount == 1


def dead_letter(
    conn: sa.Connection,
    job: Job,
    *,
    worker: str,
    error: str,
    problem: ProblemReport | None = None,
    now: datetime,
) -> bool:
    """Mark a job dead and open its problem (JOB_DEAD_LETTERED unless given); False if the lease was lost."""
    stmt = (
        jobs.update()
        .where(_fenced([job], worker))
        .values(
            state=JobState.DEAD.value,
            lease_until=None,
            locked_by=None,
            last_error=error,
            finished_at=now,
            updated_at=now,
        )
    )
    if conn.execute(stmt).rowcount != 1:
        return False
    report_problem(conn, problem or dead_letter_report(job, error), now=now)
    return True


def dead_letter_report(job: Job, error: str) -> ProblemReport:
    """The JOB_DEAD_LETTERED problem for ``job``, saying what was tried."""
    return ProblemReport(
        kind=ProblemKind.JOB_DEAD_LETTERED,
        entity_type="job",
        entity_id=str(job.id),
        message=f"job {job.kind} #{job.id} failed {job.attempts} time(s) and was dead-lettered: {error}",
        tried=f"{job.attempts} attempt(s); last error: {error}",
        details={"job_id": job.id, "kind": job.kind, "entity_key": job.entity_key, "attempts": job.attempts},
        shop=job.shop,
    )


def extend_leases(conn: sa.Connection, batch: Sequence[Job], *, worker: str, lease_until: datetime) -> int:
    """Heartbeat: push the lease of the jobs ``worker`` still holds to ``lease_until``."""
    if not batch:
        return 0
    stmt = jobs.update().where(_fenced(batch, worker)).values(lease_until=lease_until)
    return conn.execute(stmt).rowcount


def reclaim_expired(
    conn: sa.Connection, *, now: datetime, default_max_attempts: int, limit: int = 500
) -> int:
    """Return running jobs whose lease ran out to pending (or dead, with a problem, if exhausted)."""
    expired = (
        sa.select(jobs)
        .where(jobs.c.state == _RUNNING, jobs.c.lease_until < now)
        .order_by(jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    found = [job_from_row(row) for row in conn.execute(expired)]
    for job in found:
        _reclaim_one(conn, job, now=now, default_max_attempts=default_max_attempts)
    return len(found)


def _reclaim_one(conn: sa.Connection, job: Job, *, now: datetime, default_max_attempts: int) -> None:
    error = f"lease expired at {job.lease_until:%Y-%m-%d %H:%M:%S} UTC (worker {job.locked_by} stopped?)"
    limit = job.max_attempts if job.max_attempts is not None else default_max_attempts
    if job.attempts >= limit:
        dead_letter(conn, job, worker=job.locked_by or "", error=error, now=now)
    else:
        retry(conn, job, worker=job.locked_by or "", error=error, run_after=now, now=now)
