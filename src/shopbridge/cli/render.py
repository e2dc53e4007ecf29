"""Rich renderings shared by the commands: ages, times, and the tables of jobs and problems."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.table import Table
from rich.text import Text

from shopbridge.admin import Job, ProblemCount, QueueRow
from shopbridge.domain.problems import Problem

__all__ = ["age", "jobs_table", "problem_counts_table", "problems_table", "queue_table", "when"]


def age(seconds: float | None) -> str:
    """A short human age: 42s, 7m, 3h, 2d."""
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _plain(*cells: str, style: str | None = None) -> tuple[Text, ...]:
    """Cells as plain text: a message holding ``[brackets]`` is shown, not read as Rich markup."""
    return tuple(Text(cell, style=style or "") for cell in cells)


def queue_table(rows: Iterable[QueueRow]) -> Table:
    table = Table(title="Queue")
    for column in ("kind", "state", "jobs", "oldest"):
        table.add_column(column, justify="right" if column in ("jobs", "oldest") else "left")
    for row in rows:
        style = "red" if row.state == "dead" else None
        table.add_row(*_plain(row.kind, row.state, str(row.count), age(row.oldest_age_seconds), style=style))
    return table


def problem_counts_table(rows: Iterable[ProblemCount]) -> Table:
    table = Table(title="Open problems")
    for column in ("owner", "severity", "open"):
        table.add_column(column, justify="right" if column == "open" else "left")
    for row in rows:
        table.add_row(*_plain(row.team, row.severity, str(row.count)))
    return table


_NO_WRAP = frozenset({"id", "kind", "state", "owner", "severity"})


def jobs_table(jobs: Iterable[Job], *, default_max_attempts: int) -> Table:
    """Jobs; a job without its own limit shows the engine's ``retry.max_attempts``."""
    table = Table(title="Jobs")
    for column in ("id", "kind", "state", "shop", "entity", "attempts", "run after", "last error"):
        table.add_column(column, overflow="fold", no_wrap=column in _NO_WRAP)
    for job in jobs:
        table.add_row(
            *_plain(
                str(job.id),
                job.kind,
                job.state,
                job.shop,
                job.entity_key or "",
                f"{job.attempts}/{job.max_attempts or default_max_attempts}",
                when(job.run_after),
                (job.last_error or "")[:80],
            )
        )
    return table


def problems_table(problems: Iterable[Problem]) -> Table:
    table = Table(title="Problems")
    for column in ("id", "owner", "severity", "kind", "entity", "count", "last seen", "status", "message"):
        table.add_column(column, overflow="fold", no_wrap=column in _NO_WRAP)
    for p in problems:
        entity = f"{p.shop + ': ' if p.shop else ''}{p.entity_type} {p.entity_id}"
        table.add_row(
            *_plain(
                str(p.id),
                p.team,
                p.severity,
                p.kind,
                entity,
                str(p.count),
                when(p.last_seen),
                p.status,
                p.message[:80],
            )
        )
    return table
