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

**Many rows on PostgreSQL: one JSON parameter.** A list of row dicts with ``RETURNING`` becomes one
long multi-row ``VALUES`` text whose length changes with the batch, so psycopg parses it anew on every
call and the server plans it anew too; without ``RETURNING`` it is a pipeline of one statement per
row. On PostgreSQL the many-row forms instead send all rows as one JSON array parameter and insert
``SELECT ... FROM json_to_recordset(...)``: one statement of fixed text (prepared by psycopg after a
few uses), one round trip, whatever the batch size. JSON rather than one array per column: a single
C-encoded string costs the driver far less than escaping every element of text arrays (measured).
SQLite keeps the row-dict forms (it is in-process, so there is no round trip to save). Both forms
have the same ``ON CONFLICT`` target and the same result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import ACTIVE_JOB_PREDICATE, JobState, inbox_events, jobs
from shopbridge.engine.sql import PerDialect, dialect_insert
from shopbridge.engine.types import UTCDateTime
from shopbridge.engine.wakeups import note_new_work

__all__ = [
    "ORDER_VERSION_SOURCE",
    "EventKey",
    "NewEvent",
    "NewJob",
    "enqueue_jobs",
    "insert_event",
    "insert_job",
    "mark_events",
    "order_version_marker",
    "record_events",
]

EventKey = tuple[str, str, str]  # (source, shop, event_id): an event's identity in the inbox
# The inbox's source of order-version markers (domain/order_versions.py): one per version enqueued.
ORDER_VERSION_SOURCE = "shopify.order_version"


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


def order_version_marker(shop: str, version_key: str) -> NewEvent:
    """The inbox row that says an order version is known: enqueued, or written by shopbridge itself."""
    return NewEvent(
        source=ORDER_VERSION_SOURCE,
        shop=shop,
        topic="order_version",
        event_id=version_key,
        payload="",
        status="enqueued",
    )


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
    statements = _statements(conn)
    if statements.event_records is None:
        result = conn.execute(statements.event, [_event_row(event, now) for event in events])
    else:
        result = conn.execute(statements.event_records, {"rows": _event_records(events), "now": now})
    return {(row.source, row.shop, row.event_id): int(row.id) for row in result}


def insert_event(conn: sa.Connection, event: NewEvent, *, now: datetime) -> int | None:
    """Insert one event with the statement of :func:`record_events`; None if already recorded."""
    row = conn.execute(_statements(conn).event, _event_row(event, now)).first()
    return None if row is None else int(row.id)


def enqueue_jobs(conn: sa.Connection, new_jobs: Sequence[NewJob], *, now: datetime) -> None:
    """Insert many pending jobs with one statement (on PostgreSQL, the JSON rows of the module docstring).

    A job whose ``dedup_key`` an active (pending or running) job holds, or an earlier job of
    ``new_jobs``, is skipped. No ``RETURNING`` here, unlike :func:`record_events`: the intake needs no
    job ids, and on SQLite a row-dict insert without it is one prepared statement run per row, while
    with it SQLAlchemy renders one long multi-row ``VALUES`` text per call.
    """
    if not new_jobs:
        return
    statements = _statements(conn)
    if statements.job_records is None:
        result = conn.execute(statements.jobs, [_job_row(job, now) for job in new_jobs])
    else:
        result = conn.execute(statements.job_records, {"rows": _job_records(new_jobs), "now": now})
    # Idle workers of this process wake when it commits (wakeups.py), one per job inserted: a
    # redelivered webhook whose job is already pending wakes nobody.
    inserted = result.rowcount
    note_new_work(inserted if inserted >= 0 else len(new_jobs))


def insert_job(conn: sa.Connection, job: NewJob, *, now: datetime) -> int | None:
    """Insert one job with the insert of :func:`enqueue_jobs`; None if an active job holds its key."""
    row = conn.execute(_statements(conn).job, _job_row(job, now)).first()
    if row is None:
        return None
    note_new_work()
    return int(row.id)


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
    event_records: sa.TextClause | None = None  # PostgreSQL's many-row forms (rows as JSON)
    job_records: sa.TextClause | None = None


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
    statements = _Statements(event=event, job=many_jobs.returning(jobs.c.id), jobs=many_jobs, mark=mark)
    if dialect == "postgresql":
        statements = replace(statements, event_records=_PG_EVENT_RECORDS, job_records=_PG_JOB_RECORDS)
    return statements


# PostgreSQL's many-row inserts: the rows travel as one JSON array, unpacked by json_to_recordset (see
# the module docstring). Values common to every row (times, the new job's state) are single parameters
# or literals. The conflict targets are those of the row-dict statements, the job predicate spelled as
# in its index.
_PG_EVENT_RECORDS = sa.text(
    """
    INSERT INTO inbox_events (source, shop, topic, event_id, webhook_id, api_version, triggered_at,
                              received_at, payload, status)
    SELECT source, shop, topic, event_id, webhook_id, api_version, triggered_at, :now, payload, status
    FROM json_to_recordset(CAST(:rows AS json))
         AS t (source text, shop text, topic text, event_id text, webhook_id text, api_version text,
               triggered_at timestamptz, payload text, status text)
    ON CONFLICT (source, shop, event_id) DO NOTHING
    RETURNING id, source, shop, event_id
    """
).bindparams(sa.bindparam("rows", type_=sa.Text), sa.bindparam("now", type_=UTCDateTime()))
_PG_JOB_RECORDS = sa.text(
    f"""
    INSERT INTO jobs (kind, entity_key, dedup_key, payload, state, attempts, max_attempts, run_after,
                      shop, last_error, created_at, updated_at)
    SELECT kind, entity_key, dedup_key, payload, '{JobState.PENDING.value}', 0, max_attempts,
           coalesce(run_after, :now), shop, '', :now, :now
    FROM json_to_recordset(CAST(:rows AS json))
         AS t (kind text, entity_key text, dedup_key text, payload json, max_attempts integer,
               run_after timestamptz, shop text)
    ON CONFLICT (dedup_key) WHERE {ACTIVE_JOB_PREDICATE.text} DO NOTHING
    """
).bindparams(sa.bindparam("rows", type_=sa.Text), sa.bindparam("now", type_=UTCDateTime()))


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


def _event_records(events: Sequence[NewEvent]) -> str:
    return json.dumps(
        [
            {
                "source": e.source,
                "shop": e.shop,
                "topic": e.topic,
                "event_id": e.event_id,
                "webhook_id": e.webhook_id,
                "api_version": e.api_version,
                "triggered_at": _utc_text(e.triggered_at),
                "payload": e.payload,
                "status": e.status,
            }
            for e in events
        ]
    )


def _job_records(new_jobs: Sequence[NewJob]) -> str:
    return json.dumps(
        [
            {
                "kind": job.kind,
                "entity_key": job.entity_key,
                "dedup_key": job.dedup_key,
                "payload": dict(job.payload),
                "max_attempts": job.max_attempts,
                "run_after": _utc_text(job.run_after),
                "shop": job.shop,
            }
            for job in new_jobs
        ]
    )


def _utc_text(value: datetime | None) -> str | None:
    """A time as ISO text for the JSON rows; naive times are refused, as the ``UTCDateTime`` type does."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC).isoformat()


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
