"""Fair claiming across stores: one store's backlog does not starve another's jobs.

The plain claim takes the oldest due jobs (lowest id first). When one shopbridge serves several
Shopify stores, a peak in one store (ten thousand orders queued in a minute) would then hold every
job of the others behind it until it drains. So with two or more shops the claim asks each shop in
turn: up to ``limit`` of each shop's oldest claimable jobs, plus those of no configured shop (the
schedules' global sweeps), and takes them round-robin (the oldest of each shop, then the second of
each...) up to ``limit``. A store with a backlog still gets every worker that the others leave idle;
a quiet store's job waits at most for the jobs already claimed, not for the backlog.

**Exactly once is unchanged.** Each shop's candidates are read ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (another worker's candidates are passed over, not waited for, and a row another worker
has just claimed fails the ``state = 'pending'`` re-check), and on SQLite the whole claim runs under
the writer lock (``BEGIN IMMEDIATE``). The rows read but not taken stay pending; their locks end with
the claim's transaction. The ``UPDATE`` then takes the chosen rows, still fenced on
``state = 'pending'``, so a row can only move to running once per attempt.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import jobs

__all__ = ["arms", "interleave", "pick"]


def arms(claimable: sa.Select[Any], shops: tuple[str, ...], limit: int) -> tuple[sa.Select[Any], ...]:
    """One locked select per shop, then one for the jobs of no listed shop: each its ``limit`` oldest.

    ``claimable`` is the queue's "due, pending, not held by an earlier job of its entity" select of
    ``jobs.c.id`` (kinds already applied), with a ``:now`` parameter.
    """
    others = claimable.where(jobs.c.shop.not_in(shops))
    selects = [claimable.where(jobs.c.shop == shop) for shop in shops] + [others]
    # SKIP LOCKED: rows another worker is claiming right now are passed over, not waited for.
    return tuple(arm.order_by(jobs.c.id).limit(limit).with_for_update(skip_locked=True) for arm in selects)


def pick(conn: sa.Connection, selects: Sequence[sa.Select[Any]], *, limit: int, now: datetime) -> list[int]:
    """The ids to claim: each arm's candidates (locked until the transaction ends), round-robin."""
    per_shop = [list(conn.execute(select, {"now": now}).scalars()) for select in selects]
    return interleave(per_shop)[:limit]


def interleave(queues: Sequence[Sequence[int]]) -> list[int]:
    """Round-robin: the first of each queue, then the second of each, ...; a short queue drops out."""
    rounds = itertools.zip_longest(*queues)
    return [job_id for row in rounds for job_id in row if job_id is not None]
