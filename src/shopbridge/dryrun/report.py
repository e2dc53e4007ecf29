"""``shopbridge dryrun report``: what the dry run would have written over a period, next to what the
retailer's current process did, as the daily reconciliation's checkpoints saw it.

The would-dos come from the trail (``recorder.py``); the current process from the stored
reconciliation reports (``reconcile_reports``): per checkpoint, how many records it checked in
Shopify and the ERP and how many disagreed. A checkpoint is paired with the would-dos of the flow that
moves the same thing (orders with sales orders, refunds with credit notes, ...).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from shopbridge.dryrun.recorder import would_dos
from shopbridge.engine.schema import reconcile_reports

__all__ = ["CHECKPOINT_WRITES", "CheckpointTotal", "DryRunReport", "WriteCount", "dry_run_report"]

# The would-do kinds that, live, produce what each reconciliation checkpoint counts.
CHECKPOINT_WRITES: dict[str, tuple[str, ...]] = {
    "orders": ("erp.create_sales_order",),
    "refunds": ("erp.create_credit_note",),
    "fulfilments": ("shopify.create_fulfilment",),
    "payouts": ("erp.post_payout",),
    "stock": ("shopify.set_available", "shopify.repair_inventory_levels"),
}


@dataclass
class WriteCount:
    flow: str
    kind: str
    count: int = 0
    entities: list[str] = field(default_factory=list)


@dataclass
class CheckpointTotal:
    """What the current process did, as one checkpoint saw it over the period."""

    checkpoint: str
    days: int = 0
    checked: int = 0
    mismatches: int = 0
    failed_days: int = 0
    would_do: int = 0  # the dry run's writes of the same kind over the period


@dataclass
class DryRunReport:
    start: date
    end: date  # inclusive
    writes: list[WriteCount]
    checkpoints: list[CheckpointTotal]

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "would_do": [vars(w) for w in self.writes],
            "total_would_do": sum(w.count for w in self.writes),
            "current_process": [vars(c) for c in self.checkpoints],
        }


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def dry_run_report(conn: sa.Connection, start: date, end: date) -> DryRunReport:
    low, high = _bounds(start, end)
    counts: dict[tuple[str, str], WriteCount] = {}
    for w in would_dos(conn, low, high):
        found = counts.setdefault((w.flow, w.kind), WriteCount(w.flow, w.kind))
        found.count += 1
        entity = w.reference or w.entity_id  # an order's name reads better than its GID
        if entity not in found.entities:
            found.entities.append(entity)
    writes = sorted(counts.values(), key=lambda c: (c.flow, c.kind))
    by_kind: dict[str, int] = defaultdict(int)
    for count in writes:
        by_kind[count.kind] += count.count
    return DryRunReport(start, end, writes, _checkpoints(conn, start, end, by_kind))


def _checkpoints(
    conn: sa.Connection, start: date, end: date, by_kind: dict[str, int]
) -> list[CheckpointTotal]:
    query = sa.select(reconcile_reports.c.report).where(
        reconcile_reports.c.day >= start.isoformat(), reconcile_reports.c.day <= end.isoformat()
    )
    totals: dict[str, CheckpointTotal] = {}
    for (report,) in conn.execute(query):
        for name, checkpoint in dict(report.get("checkpoints", {})).items():
            total = totals.setdefault(name, CheckpointTotal(name))
            total.days += 1
            total.checked += int(checkpoint.get("checked", 0))
            total.mismatches += len(checkpoint.get("mismatches", []))
            total.failed_days += checkpoint.get("verdict") == "fail"
    for name, kinds in CHECKPOINT_WRITES.items():
        totals.setdefault(name, CheckpointTotal(name)).would_do = sum(by_kind.get(k, 0) for k in kinds)
    return sorted(totals.values(), key=lambda t: t.checkpoint)
