"""Test and benchmark helpers: an idempotent effect table and ready-made registries.

The registries are importable by name (``shopbridge.engine.testing:effect_registry``) so that worker
processes started by acceptance tests and benchmarks can load them. Nothing here is used in
production.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from shopbridge.engine import queue
from shopbridge.engine.job import Job
from shopbridge.engine.sql import upsert_insert
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext, Registry
from shopbridge.errors import RetryLater

__all__ = [
    "EFFECT_KIND",
    "NOOP_KIND",
    "create_effect_table",
    "effect_registry",
    "effects",
    "enqueue_keys",
    "noop_registry",
    "read_effects",
]

EFFECT_KIND = "test.effect"
NOOP_KIND = "test.noop"

_effects_metadata = sa.MetaData()
# ``applied`` is assigned at insert: for one entity it gives the order in which effects happened.
effects = sa.Table(
    "test_effects",
    _effects_metadata,
    sa.Column("applied", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("entity_key", sa.String(255), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)


def create_effect_table(store: Store) -> None:
    """Create the effect table (not part of shopbridge's schema)."""
    _effects_metadata.create_all(store.engine)


def read_effects(store: Store) -> list[tuple[int, str, int]]:
    """Every effect as (job_id, entity_key, seq), in the order applied."""
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(effects.c.job_id, effects.c.entity_key, effects.c.seq).order_by(effects.c.applied)
        )
        return [(int(job_id), str(key), int(seq)) for job_id, key, seq in rows]


def effect_handler(job: Job, ctx: HandlerContext) -> None:
    """Apply the job's effect once: a second run of the same job inserts nothing (idempotent)."""
    _block_if_asked(job.payload)
    with ctx.store.begin() as conn:
        stmt = upsert_insert(conn, effects).values(
            job_id=job.id, entity_key=job.entity_key or "", seq=int(job.payload.get("seq", 0))
        )
        conn.execute(stmt.on_conflict_do_nothing(index_elements=[effects.c.job_id]))


def _block_if_asked(payload: dict[str, Any]) -> None:
    # The SIGKILL test: say "started", then wait for a release file the test creates later.
    started, release = payload.get("started_file"), payload.get("release_file")
    if not started or not release:
        return
    Path(started).write_text("started")
    deadline = time.monotonic() + 120
    while not Path(release).exists():
        if time.monotonic() > deadline:
            raise RetryLater("release file never appeared")
        time.sleep(0.02)


def noop_handler(job: Job, ctx: HandlerContext) -> None:
    """Does nothing: measures the engine alone."""


def effect_registry() -> Registry:
    """A registry with the idempotent effect handler."""
    registry = Registry()
    registry.register(EFFECT_KIND, effect_handler)
    return registry


def noop_registry() -> Registry:
    """A registry with the no-op handler."""
    registry = Registry()
    registry.register(NOOP_KIND, noop_handler)
    return registry


def enqueue_keys(url: str, keys: Sequence[str], barrier: Any = None) -> list[int]:
    """Enqueue one job per dedup key, each in its own transaction (for concurrent-enqueue tests)."""
    store = Store.connect(url, pool_size=1)
    try:
        if barrier is not None:
            barrier.wait()
        ids = []
        for key in keys:
            with store.begin() as conn:
                ids.append(queue.enqueue(conn, NOOP_KIND, {"key": key}, dedup_key=key))
        return ids
    finally:
        store.close()
