"""The job record as handlers see it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from shopbridge.engine.schema import JobState

__all__ = ["Job", "JobState", "job_from_row"]

# Fixed namespace: the same job gets the same idempotency key in every process and on every retry.
_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0d1a8e-3f0c-4c2e-9a57-2f1c6f4e8d11")


@dataclass(frozen=True)
class Job:
    """A unit of work; ``payload`` is what the handler needs, ``attempts`` counts this one too."""

    id: int
    kind: str
    entity_key: str | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int | None  # None: the engine's configured retry.max_attempts
    shop: str
    dedup_key: str | None
    created_at: datetime
    state: JobState
    run_after: datetime | None = None
    lease_until: datetime | None = None
    locked_by: str | None = None
    last_error: str = ""
    updated_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def idempotency_key(self) -> str:
        """A UUID from (kind, dedup_key or id): identical on every retry, so remote effects dedupe."""
        basis = self.dedup_key if self.dedup_key is not None else f"id:{self.id}"
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{self.kind}\x1f{basis}"))

    @property
    def run_idempotency_key(self) -> str:
        """A UUID for this run of the work: identical on every retry of this job, new for each job.

        A schedule enqueues every run of a sweep under one dedup key (so that only one is active at a
        time), which makes :attr:`idempotency_key` the same for each run. A sweep's writes are new
        work each run, and Shopify replays a key's first answer (or refuses it with other
        variables) for a day: a sweep must key its writes with this instead.
        """
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{self.kind}\x1f{self.dedup_key}\x1fid:{self.id}"))

    @property
    def attempt_idempotency_key(self) -> str:
        """A UUID for this attempt of this run: new on every retry.

        For work that works out afresh on each attempt what it writes (the stock push reads the ERP
        and Shopify again): with :attr:`run_idempotency_key` a retry whose levels had moved since
        the failed attempt sent other variables under the same key, which Shopify refuses
        (``IDEMPOTENCY_KEY_PARAMETER_MISMATCH``), and the sweep died. Such writes are guarded by
        compare-and-swap instead: an attempt whose write landed but whose answer was lost leaves
        levels the retry finds moved, and re-reads.
        """
        basis = f"{self.kind}\x1f{self.dedup_key}\x1fid:{self.id}\x1fattempt:{self.attempts}"
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, basis))


def job_from_row(row: Row[Any]) -> Job:
    """Build a :class:`Job` from a full ``jobs`` row."""
    m = row._mapping
    return Job(
        id=int(m["id"]),
        kind=m["kind"],
        entity_key=m["entity_key"],
        payload=dict(m["payload"] or {}),
        attempts=int(m["attempts"]),
        max_attempts=m["max_attempts"],
        shop=m["shop"],
        dedup_key=m["dedup_key"],
        created_at=m["created_at"],
        state=JobState(m["state"]),
        run_after=m["run_after"],
        lease_until=m["lease_until"],
        locked_by=m["locked_by"],
        last_error=m["last_error"],
        updated_at=m["updated_at"],
        finished_at=m["finished_at"],
    )
