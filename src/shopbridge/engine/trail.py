"""Reading one order's whole story: its sync record, every trail step, job and problem.

What ``shopbridge orders show`` and the dashboard's order trail print. An order is found by its
Shopify name (``#1001`` or ``1001``), its id (numeric or GID) or its ERP number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.domain.order_sync import OrderSync
from shopbridge.domain.problems import Problem
from shopbridge.engine import problems as problem_store
from shopbridge.engine.job import Job, job_from_row
from shopbridge.engine.schema import jobs, order_syncs, problems, trail
from shopbridge.engine.uow import sync_from_row

__all__ = ["OrderStory", "TrailStep", "find_order", "order_story"]


@dataclass(frozen=True)
class TrailStep:
    at: datetime
    step: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class OrderStory:
    sync: OrderSync
    steps: tuple[TrailStep, ...]
    jobs: tuple[Job, ...]
    problems: tuple[Problem, ...]


def find_order(conn: sa.Connection, key: str) -> OrderSync | None:
    """The order named, numbered or identified by ``key`` on either side, or ``None``."""
    key = key.strip()
    number = key.rsplit("/", 1)[-1]
    candidates = {key, f"#{key.lstrip('#')}"}
    query = sa.select(order_syncs).where(
        sa.or_(
            order_syncs.c.name.in_(candidates),
            order_syncs.c.order_id == f"gid://shopify/Order/{number}",
            order_syncs.c.erp_number == key,
            order_syncs.c.erp_id == key,
        )
    )
    row = conn.execute(query.limit(1)).first()
    return None if row is None else sync_from_row(row._mapping)


def order_story(conn: sa.Connection, sync: OrderSync) -> OrderStory:
    """Everything recorded about ``sync``'s order, each part in time order."""
    number = sync.order_id.rsplit("/", 1)[-1]
    steps = conn.execute(
        sa.select(trail.c.at, trail.c.step, trail.c.detail)
        .where(trail.c.shop == sync.shop, trail.c.entity_id == sync.order_id)
        .order_by(trail.c.id)
    )
    job_rows = conn.execute(
        sa.select(jobs).where(jobs.c.entity_key == f"order:{sync.shop}:{number}").order_by(jobs.c.id)
    )
    problem_rows = conn.execute(
        sa.select(problems.c.id)
        .where(problems.c.entity_type == "order", problems.c.entity_id == sync.order_id)
        .order_by(problems.c.first_seen)
    )
    found = [problem_store.get_problem(conn, int(row.id)) for row in problem_rows]
    return OrderStory(
        sync=sync,
        steps=tuple(TrailStep(row.at, row.step, dict(row.detail or {})) for row in steps),
        jobs=tuple(job_from_row(row) for row in job_rows),
        problems=tuple(p for p in found if p is not None),
    )
