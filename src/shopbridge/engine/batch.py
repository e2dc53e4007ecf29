"""The inbox and queue writes as prepared statements, for one row or many: the engine's one write path.

``inbox.record_event``, ``inbox.mark_event`` and ``queue.enqueue`` are thin wrappers around the
functions here, and the webhook intake (thousands of events a second, group-committed) calls the
many-row forms directly. A separate module rather than more code in ``inbox.py`` and ``queue.py``:
the statements for the two tables are built together, once per dialect, and both modules (and the
intake) share them, so there is exactly one definition of "insert an event" and "insert a job".

**Why prepared.** Building an ``INSERT ... ON CONFLICT`` expression costs several times more than
executing it; these are built once per dialect on first use (:class:`~shopbridge.engine.sql.PerDialect`)
and executed with bound values, for a list of rows in one call.

**Which rows were new.** Both inserts are ``ON CONFLICT DO NOTHING`` on the table's dedup index. For
events, ``RETURNING`` yields a row only for what was inserted, matched to the input by its key
``(source, shop, event_id)``, never by position: neither database promises that ``RETURNING`` of a
multi-row ``VALUES`` follows its order. A batch of jobs reports nothing (see :func:`enqueue_jobs` for
why); one job's id comes from the same insert with ``RETURNING``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import ACTIVE_JOB_PREDICATE, JobState, inbox_events, jobs
from shopbridge.engine.sql import PerDialect, dialect_insert

__all__ = [
    "EventKey",
    "NewEvent",
    "NewJob",
    "enqueue_jobs",
    "insert_event",
    "insert_job",
    "mark_events",
    "record_events",
]

EventKey = tuple[str, str, str]  # (source, shop, event_id): an event's identity in the inbox


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An inbound event to record; fields as the keywords of ``inbox.record_event``."""

    source: str
    shop: str
    topic: str
    event_id: str
    payload: str
    webhook_id: str = ""
    api_version: str = ""
    triggered_at: datetime | None = None
    status: str = "received"

    @property
    def key(self) -> EventKey:
        return (self.source, self.shop, self.event_id)


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to add; fields as the arguments of ``queue.enqueue`` (``run_after`` None = now)."""

    kind: str
    payload: Mapping[str, Any]
    entity_key: str | None = None
    dedup_key: str | None = None
    run_after: datetime | None = None
    shop: str = ""
    max_attempts: int | None = None


def record_events(conn: sa.Connection, events: Sequence[NewEvent], *, now: datetime) -> dict[EventKey, int]:
    """Insert many events in one statement; returns the ids of the *new* ones by their key.

    An event whose (source, shop, event_id) is already recorded, or repeated earlier in ``events``,
    is skipped and absent from the result.
    """
    if not events:
        return {}
    result = conn.execute(_statements(conn).event, [_event_row(event, now) for event in events])
    return {(row.source, row.shop, row.event_id): int(row.id) for row in result}


def insert_event(conn: sa.Connection, event: NewEvent, *, now: datetime) -> int | None:
    """Insert one event with the statement of :func:`record_events`; None if already recorded."""
    row = conn.execute(_statements(conn).event, _event_row(event, now)).first()
    return None if row is None else int(row.id)


def enqueue_jobs(conn: sa.Connection, new_jobs: Sequence[NewJob], *, now: datetime) -> None:
    """Insert many pending jobs with one prepared statement.

    A job whose ``dedup_key`` an active (pending or running) job holds, or an earlier job of
    ``new_jobs``, is skipped. No ``RETURNING`` here, unlike :func:`record_events`: without it the
    driver sends one prepared statement for all rows (psycopg pipelines them), while with it
    SQLAlchemy renders one long multi-row ``VALUES`` text that psycopg parses anew on every call,
    which measured half again slower per job on PostgreSQL. The intake needs no job ids (and psycopg
    reports no row count for a pipelined batch, so not even how many were new).
    """
    if new_jobs:
        conn.execute(_statements(conn).jobs, [_job_row(job, now) for job in new_jobs])


def insert_job(conn: sa.Connection, job: NewJob, *, now: datetime) -> int | None:
    """Insert one job with the insert of :func:`enqueue_jobs`; None if an active job holds its key."""
    row = conn.execute(_statements(conn).job, _job_row(job, now)).first()
    return None if row is None else int(row.id)


def mark_events(conn: sa.Connection, event_ids: Sequence[int], *, status: str, now: datetime) -> None:
    """Set the processing status of many events (by row id) in one statement."""
    if event_ids:
        params = {"ids": list(event_ids), "new_status": status, "processed_at": now}
        conn.execute(_statements(conn).mark, params)


# -- the statements ------------------------------------------------------------------------------

_EVENT_COLUMNS = ("source", "shop", "topic", "event_id", "webhook_id", "api_version", "triggered_at",
                  "received_at", "payload", "status")  # fmt: skip
_JOB_COLUMNS = ("kind", "entity_key", "dedup_key", "payload", "state", "attempts", "max_attempts",
                "run_after", "shop", "last_error", "created_at", "updated_at")  # fmt: skip


@dataclass(frozen=True)
class _Statements:
    event: Any
    job: Any  # one job, RETURNING its id
    jobs: Any  # many jobs: the same insert without RETURNING
    mark: sa.Update


def _build(dialect: str) -> _Statements:
    event = (
        dialect_insert(dialect, inbox_events)
        .values({c: sa.bindparam(c, type_=inbox_events.c[c].type) for c in _EVENT_COLUMNS})
        .on_conflict_do_nothing(
            index_elements=[inbox_events.c.source, inbox_events.c.shop, inbox_events.c.event_id]
        )
        .returning(inbox_events.c.id, inbox_events.c.source, inbox_events.c.shop, inbox_events.c.event_id)
    )
    # The target names the partial unique index ux_jobs_dedup_active with its predicate spelled
    # exactly as in the index (literal SQL, see schema.ACTIVE_JOB_PREDICATE). A NULL dedup key never
    # conflicts, so jobs without one are plain inserts.
    many_jobs = (
        dialect_insert(dialect, jobs)
        .values({c: sa.bindparam(c, type_=jobs.c[c].type) for c in _JOB_COLUMNS})
        .on_conflict_do_nothing(index_elements=[jobs.c.dedup_key], index_where=ACTIVE_JOB_PREDICATE)
    )
    # One round trip for the lot; an expanding IN is compiled once and rendered per list length.
    mark = (
        inbox_events.update()
        .where(inbox_events.c.id.in_(sa.bindparam("ids", expanding=True)))
        .values(status=sa.bindparam("new_status"), processed_at=sa.bindparam("processed_at"))
    )
    return _Statements(event=event, job=many_jobs.returning(jobs.c.id), jobs=many_jobs, mark=mark)


_statements = PerDialect(_build)


def _event_row(event: NewEvent, now: datetime) -> dict[str, Any]:
    return {
        "source": event.source,
        "shop": event.shop,
        "topic": event.topic,
        "event_id": event.event_id,
        "webhook_id": event.webhook_id,
        "api_version": event.api_version,
        "triggered_at": event.triggered_at,
        "received_at": now,
        "payload": event.payload,
        "status": event.status,
    }


def _job_row(job: NewJob, now: datetime) -> dict[str, Any]:
    return {
        "kind": job.kind,
        "entity_key": job.entity_key,
        "dedup_key": job.dedup_key,
        "payload": dict(job.payload),
        "state": JobState.PENDING.value,
        "attempts": 0,
        "max_attempts": job.max_attempts,
        "run_after": job.run_after or now,
        "shop": job.shop,
        "last_error": "",
        "created_at": now,
        "updated_at": now,
    }
