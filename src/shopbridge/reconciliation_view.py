"""The daily reconciliation as people read it: one kept day with its owners and problems, and the trend.

The reports are the ones ``flows/daily_reconciliation.py`` keeps (``shopbridge reconcile --stored``
shows the same). A mismatch links to the problem the run raised for it: the reconciliation's problems
are keyed on the mismatch's key (the stock checkpoint shares the stock audit's one problem per shop),
so the link is found by kind and entity, the open one first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.admin import Services
from shopbridge.bootstrap import Services as AppServices
from shopbridge.domain.reconciliation import CHECKPOINTS
from shopbridge.domain.stock_audit import PROBLEM_ENTITY as STOCK_AUDIT_ENTITY
from shopbridge.engine import reconcile_reports
from shopbridge.engine.schema import problems
from shopbridge.engine.schema import reconcile_reports as reports_table
from shopbridge.flows.daily_reconciliation import ENTITY, PROBLEM_KINDS

__all__ = [
    "Checkpoint",
    "DayView",
    "MismatchView",
    "TrendDay",
    "checkpoints_today",
    "day_view",
    "default_shop",
    "parse_day",
    "trend",
]

TREND_DAYS = 30


@dataclass(frozen=True)
class MismatchView:
    key: str
    what: str
    message: str
    problem_id: int | None
    problem_status: str


@dataclass(frozen=True)
class Checkpoint:
    name: str
    verdict: str
    checked: int
    note: str
    team: str  # who owns this checkpoint's mismatches
    mismatches: tuple[MismatchView, ...]


@dataclass(frozen=True)
class DayView:
    """One kept day of one shop, with the neighbouring kept days for previous/next."""

    shop: str
    day: str
    passed: bool
    checkpoints: tuple[Checkpoint, ...]
    report: dict[str, Any]
    csv: str
    previous: str | None
    next: str | None

    def as_json(self) -> dict[str, Any]:
        """The kept report, each checkpoint with its owner and each mismatch with its problem."""
        data = dict(self.report)
        data["checkpoints"] = {
            c.name: {
                "verdict": c.verdict,
                "checked": c.checked,
                "note": c.note,
                "team": c.team,
                "mismatches": [vars(m) for m in c.mismatches],
            }
            for c in self.checkpoints
        }
        return {**data, "previous": self.previous, "next": self.next}


@dataclass(frozen=True)
class TrendDay:
    day: str
    passed: bool
    verdicts: dict[str, str]
    mismatches: int


def default_shop(services: AppServices) -> str:
    """The first configured shop (as ``shopbridge reconcile``), or "" when none is configured."""
    shops = services.settings.shops
    return shops[0].name if shops else ""


def day_view(services: Services, shop: str, day: str | None) -> DayView | None:
    """The kept report of ``shop`` for ``day`` (ISO; None: the latest kept day), or None if none is kept."""
    with services.store.begin() as conn:
        wanted = day or _latest_day(conn, shop)
        kept = reconcile_reports.find_report(conn, shop, wanted) if wanted else None
        if kept is None:
            return None
        checkpoints = tuple(_checkpoint(conn, shop, name, result) for name, result in _results(kept.report))
        previous, following = _neighbours(conn, shop, kept.day)
    return DayView(shop, kept.day, kept.passed, checkpoints, kept.report, kept.csv, previous, following)


def trend(services: Services, shop: str, *, days: int = TREND_DAYS) -> list[TrendDay]:
    """The latest ``days`` kept days, oldest first: each checkpoint's verdict and the mismatch count."""
    with services.store.begin() as conn:
        kept = reconcile_reports.trend(conn, shop, days=days)
    return [TrendDay(r.day, r.passed, dict(r.verdicts), _mismatch_count(r.report)) for r in kept]


def checkpoints_today(services: Services) -> list[dict[str, Any]] | None:
    """The overview's line per shop and checkpoint: the report kept for today, else for yesterday
    (the scheduled run reconciles the day before, which is the newest complete day). None: neither."""
    today = services.clock.now().date()
    wanted = (today.isoformat(), (today - timedelta(days=1)).isoformat())
    rows: list[dict[str, Any]] = []
    with services.store.begin() as conn:
        shops = conn.execute(sa.select(reports_table.c.shop).distinct().order_by(reports_table.c.shop))
        for shop in shops.scalars().all():
            kept = next(
                (r for d in wanted if (r := reconcile_reports.find_report(conn, shop, d)) is not None),
                None,
            )
            if kept is not None:
                rows += [
                    _today_row(kept.shop, kept.day, name, result) for name, result in _results(kept.report)
                ]
    return rows or None


def _today_row(shop: str, day: str, name: str, result: dict[str, Any]) -> dict[str, Any]:
    verdict, mismatches = str(result.get("verdict", "")), len(result.get("mismatches", []))
    return {"shop": shop, "day": day, "checkpoint": name, "verdict": verdict, "mismatches": mismatches}


def parse_day(text: str) -> str | None:
    """``text`` as an ISO date, or None when empty; raises ValueError when it is not a date."""
    return date.fromisoformat(text).isoformat() if text else None


def _results(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The report's checkpoints in the reconciliation's own order (unknown names last)."""
    found: dict[str, Any] = report.get("checkpoints", {})
    order = {name: n for n, name in enumerate(CHECKPOINTS)}
    return sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def _checkpoint(conn: sa.Connection, shop: str, name: str, result: dict[str, Any]) -> Checkpoint:
    kind = PROBLEM_KINDS.get(name)
    mismatches = tuple(
        MismatchView(
            str(m["key"]), str(m["what"]), str(m["message"]), *_problem_of(conn, shop, name, str(m["key"]))
        )
        for m in result.get("mismatches", [])
    )
    return Checkpoint(
        name=name,
        verdict=str(result.get("verdict", "")),
        checked=int(result.get("checked", 0)),
        note=str(result.get("note", "")),
        team=kind.default_team.value if kind is not None else "",
        mismatches=mismatches,
    )


def _problem_of(conn: sa.Connection, shop: str, checkpoint: str, key: str) -> tuple[int | None, str]:
    """The problem raised for this mismatch (the open one, else the latest): its id and status."""
    kind = PROBLEM_KINDS.get(checkpoint)
    if kind is None:
        return None, ""
    entity_type, entity_id = (STOCK_AUDIT_ENTITY, shop) if checkpoint == "stock" else (ENTITY, key)
    query = (
        sa.select(problems.c.id, problems.c.status)
        .where(
            problems.c.kind == kind.value,
            problems.c.entity_type == entity_type,
            problems.c.entity_id == entity_id,
            problems.c.shop == shop,
        )
        .order_by((problems.c.status == "open").desc(), problems.c.id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return (None, "") if row is None else (int(row.id), str(row.status))


def _latest_day(conn: sa.Connection, shop: str) -> str | None:
    day: str | None = conn.execute(
        sa.select(sa.func.max(reports_table.c.day)).where(reports_table.c.shop == shop)
    ).scalar()
    return day


def _neighbours(conn: sa.Connection, shop: str, day: str) -> tuple[str | None, str | None]:
    """The kept days just before and just after ``day`` (days without a report are skipped)."""
    mine = reports_table.c.shop == shop
    before = conn.execute(sa.select(sa.func.max(reports_table.c.day)).where(mine, reports_table.c.day < day))
    after = conn.execute(sa.select(sa.func.min(reports_table.c.day)).where(mine, reports_table.c.day > day))
    return before.scalar(), after.scalar()


def _mismatch_count(report: dict[str, Any]) -> int:
    return sum(len(result.get("mismatches", [])) for _, result in _results(report))
