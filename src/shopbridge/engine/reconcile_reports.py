"""Reconciliation reports in the store: one per shop and day, kept whole (JSON and CSV) with verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import reconcile_reports
from shopbridge.engine.sql import upsert_insert

__all__ = ["StoredReport", "find_report", "mismatch_keys", "save_report", "trend"]


@dataclass(frozen=True)
class StoredReport:
    shop: str
    day: str
    passed: bool
    verdicts: dict[str, str]
    report: dict[str, Any]
    csv: str
    created_at: datetime


def save_report(
    conn: sa.Connection,
    *,
    shop: str,
    day: str,
    passed: bool,
    verdicts: Mapping[str, str],
    report: Mapping[str, Any],
    csv: str,
    now: datetime,
) -> None:
    """Insert or replace the report of ``shop`` for ``day`` (a re-run of a day replaces it)."""
    values = {
        "shop": shop,
        "day": day,
        "passed": int(passed),
        "verdicts": dict(verdicts),
        "report": dict(report),
        "csv": csv,
        "created_at": now,
    }
    stmt = upsert_insert(conn, reconcile_reports).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[reconcile_reports.c.shop, reconcile_reports.c.day],
        set_={k: v for k, v in values.items() if k not in ("shop", "day")},
    )
    conn.execute(stmt)


def find_report(conn: sa.Connection, shop: str, day: str) -> StoredReport | None:
    row = conn.execute(
        sa.select(reconcile_reports).where(reconcile_reports.c.shop == shop, reconcile_reports.c.day == day)
    ).first()
    return None if row is None else _stored(row._mapping)


def mismatch_keys(stored: StoredReport) -> set[tuple[str, str]]:
    """(checkpoint, key) of every mismatch the stored report lists (``DayReport.as_dict``'s shape)."""
    checkpoints = stored.report.get("checkpoints") or {}
    return {
        (str(name), str(mismatch.get("key")))
        for name, checkpoint in checkpoints.items()
        for mismatch in (checkpoint or {}).get("mismatches") or ()
    }


def trend(conn: sa.Connection, shop: str, *, days: int = 30) -> list[StoredReport]:
    """The latest ``days`` reports of ``shop``, oldest first (the dashboard's chart, the parity gate)."""
    query = (
        sa.select(reconcile_reports)
        .where(reconcile_reports.c.shop == shop)
        .order_by(reconcile_reports.c.day.desc())
        .limit(days)
    )
    return [_stored(row._mapping) for row in reversed(conn.execute(query).all())]


def _stored(row: sa.RowMapping) -> StoredReport:
    return StoredReport(
        shop=row["shop"],
        day=row["day"],
        passed=bool(row["passed"]),
        verdicts=dict(row["verdicts"]),
        report=dict(row["report"]),
        csv=row["csv"],
        created_at=row["created_at"],
    )
