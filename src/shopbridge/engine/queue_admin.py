"""Operator actions and queries on jobs: stats, list, get, retry now, replay dead, discard.

Every manual action is written to the audit trail in the same transaction as the change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import sqlalchemy as sa

from shopbridge.domain.problems import ProblemStatus
from shopbridge.engine import audit as audit_trail
from shopbridge.engine.job import Job, JobState, job_from_row
from shopbridge.engine.schema import jobs, problems

__all__ = ["JobStat", "discard", "get_job", "list_jobs", "replay", "retry_now", "stats"]


class JobStat(NamedTuple):
    """Queue depth for one (kind, state); ``oldest_age_seconds`` from the oldest job's creation.

    A named tuple: ``for kind, state, count, age in stats(conn)`` works, and so does ``row.count``.
    """

    kind: str
    state: str
    count: int  # type: ignore[assignment]  # the field shadows tuple.count on purpose
    oldest_age_seconds: float


def stats(conn: sa.Connection, *, now: datetime | None = None) -> list[JobStat]:
    """Jobs counted by (kind, state) with the age of the oldest, sorted by kind then state."""
    now = now or datetime.now(UTC)
    query = (
        sa.select(jobs.c.kind, jobs.c.state, sa.func.count(), sa.func.min(jobs.c.created_at))
        .group_by(jobs.c.kind, jobs.c.state)
        .order_by(jobs.c.kind, jobs.c.state)
    )
    return [
        JobStat(str(kind), str(state), int(n), max(0.0, (now - oldest).total_seconds()))
        for kind, state, n, oldest in conn.execute(query)
    ]


def list_jobs(
    conn: sa.Connection, *, state: JobState | str | None = None, kind: str | None = None, limit: int = 50
) -> list[Job]:
    """Jobs matching the filters, newest first."""
    query = sa.select(jobs).order_by(jobs.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(jobs.c.state == str(state))
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    return [job_from_row(row) for row in conn.execute(query)]


def get_job(conn: sa.Connection, job_id: int) -> Job | None:
    """One job by id, or None."""
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
    return None if row is None else job_from_row(row)


def replay(conn: sa.Connection, job_id: int, *, actor: str = "unknown", now: datetime | None = None) -> bool:
    """Send a dead job back to pending with its attempts reset; audited. False if it is not dead.

    The open problems about the job itself (entity ``job``) are resolved: the replay is the person's
    answer to them.
    """
    now = now or datetime.now(UTC)
    stmt = (
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.state == JobState.DEAD.value)
        .values(state=JobState.PENDING.value, attempts=0, run_after=now, finished_at=None, updated_at=now)
    )
    if conn.execute(stmt).rowcount != 1:
        return False
    _close_job_problems(conn, job_id, now=now, note=f"replayed by {actor}")
    _audit(conn, actor, "job.replay", job_id, now)
    return True


def retry_now(
    conn: sa.Connection, job_id: int, *, actor: str = "unknown", now: datetime | None = None
) -> bool:
    """Make a pending job (waiting for its backoff) due at once; audited. False if it is not pending."""
    now = now or datetime.now(UTC)
    stmt = (
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.state == JobState.PENDING.value)
        .values(run_after=now, updated_at=now)
    )
    if conn.execute(stmt).rowcount != 1:
        return False
    _audit(conn, actor, "job.retry_now", job_id, now)
    return True


def discard(
    conn: sa.Connection, job_id: int, *, actor: str = "unknown", reason: str, now: datetime | None = None
) -> bool:
    """Delete a dead job for good (releasing later jobs of its entity); audited with its content.

    The audit entry keeps kind, entity, payload and last error, since the row itself is gone.
    """
    if not reason.strip():
        raise ValueError("discarding a job needs a reason")
    now = now or datetime.now(UTC)
    job = get_job(conn, job_id)
    if job is None or job.state is not JobState.DEAD:
        return False
    conn.execute(jobs.delete().where(jobs.c.id == job_id, jobs.c.state == JobState.DEAD.value))
    _close_job_problems(conn, job_id, now=now, note=f"discarded by {actor}: {reason}")
    detail = {
        "reason": reason,
        "kind": job.kind,
        "entity_key": job.entity_key,
        "payload": job.payload,
        "last_error": job.last_error,
    }
    audit_trail.record(
        conn,
        actor=actor,
        action="job.discard",
        entity_type="job",
        entity_id=str(job_id),
        detail=detail,
        now=now,
    )
    return True


def _close_job_problems(conn: sa.Connection, job_id: int, *, now: datetime, note: str) -> None:
    stmt = (
        problems.update()
        .where(problems.c.status == ProblemStatus.OPEN.value, problems.c.entity_type == "job")
        .where(problems.c.entity_id == str(job_id))
        .values(status=ProblemStatus.RESOLVED.value, closed_at=now, note=note)
    )
    conn.execute(stmt)


def _audit(conn: sa.Connection, actor: str, action: str, job_id: int, now: datetime) -> None:
    audit_trail.record(conn, actor=actor, action=action, entity_type="job", entity_id=str(job_id), now=now)
