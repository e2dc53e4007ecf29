"""Problems in the store: report (with repeat counting), list, get, resolve, ignore, auto-resolve.

One open problem per ``dedup_key`` (a partial unique index): a repeat of an open problem raises its
count and ``last_seen`` instead of adding a row. Once resolved or ignored, a new occurrence opens a
fresh problem. Manual actions (resolve, ignore) are written to the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.domain.problems import Problem, ProblemKind, ProblemReport, ProblemStatus, Severity, Team
from shopbridge.engine import audit as audit_trail
from shopbridge.engine.schema import problems
from shopbridge.engine.sql import upsert_insert

__all__ = [
    "count_open",
    "get_problem",
    "ignore_problem",
    "list_problems",
    "report_problem",
    "resolve_problem",
    "resolve_problems",
]

_OPEN = problems.c.status == ProblemStatus.OPEN.value


def report_problem(conn: sa.Connection, report: ProblemReport, *, now: datetime) -> int:
    """Open a problem, or count a repeat of the open one with the same ``dedup_key``; returns its id."""
    values = _insert_values(report, now)
    stmt = upsert_insert(conn, problems).values(**values)
    # ON CONFLICT on the partial index: atomic even when two workers report the same thing at once.
    stmt = stmt.on_conflict_do_update(
        index_elements=[problems.c.dedup_key],
        index_where=sa.text("status = 'open'"),
        set_={
            "count": problems.c.count + 1,
            "last_seen": now,
            "message": report.message,
            "tried": report.tried,
            "details": dict(report.details),
            "severity": report.effective_severity.value,
        },
    )
    return int(conn.execute(stmt.returning(problems.c.id)).scalar_one())


def _insert_values(report: ProblemReport, now: datetime) -> dict[str, Any]:
    return {
        "kind": report.kind.value,
        "team": report.owner.value,
        "severity": report.effective_severity.value,
        "status": ProblemStatus.OPEN.value,
        "entity_type": report.entity_type,
        "entity_id": report.entity_id,
        "shop": report.shop,
        "message": report.message,
        "resolution": report.resolution or report.kind.default_resolution,
        "tried": report.tried,
        "count": 1,
        "first_seen": now,
        "last_seen": now,
        "details": dict(report.details),
        "note": "",
        "dedup_key": report.dedup_key,
    }


def resolve_problems(
    conn: sa.Connection,
    *,
    kind: ProblemKind,
    entity_type: str,
    entity_id: str,
    shop: str = "",
    now: datetime,
    note: str = "resolved automatically",
) -> int:
    """Close every open problem of ``kind`` for one entity (the condition it waited for now holds).

    Returns how many were closed. Automatic, so not audited: the flow that calls it is the record.
    """
    params = {"k": kind.value, "t": entity_type, "e": entity_id, "s": shop, "closed": now, "why": note}
    return conn.execute(_RESOLVE, params).rowcount


# Every posted order asks to resolve its quarantine problems: one statement, built once.
_RESOLVE = (
    problems.update()
    .where(_OPEN, problems.c.kind == sa.bindparam("k"), problems.c.entity_type == sa.bindparam("t"))
    .where(problems.c.entity_id == sa.bindparam("e"), problems.c.shop == sa.bindparam("s"))
    .values(status=ProblemStatus.RESOLVED.value, closed_at=sa.bindparam("closed"), note=sa.bindparam("why"))
)


def resolve_problem(
    conn: sa.Connection, problem_id: int, *, actor: str, note: str = "", now: datetime
) -> bool:
    """A person marks an open problem resolved; audited. False if it was not open."""
    return _close(conn, problem_id, ProblemStatus.RESOLVED, actor=actor, note=note, now=now)


def ignore_problem(
    conn: sa.Connection, problem_id: int, *, actor: str, reason: str, now: datetime | None = None
) -> bool:
    """A person decides an open problem needs no action; the reason is required and audited."""
    if not reason.strip():
        raise ValueError("ignoring a problem needs a reason")
    now = now or datetime.now(UTC)
    return _close(conn, problem_id, ProblemStatus.IGNORED, actor=actor, note=reason, now=now)


def _close(
    conn: sa.Connection, problem_id: int, status: ProblemStatus, *, actor: str, note: str, now: datetime
) -> bool:
    stmt = (
        problems.update()
        .where(problems.c.id == problem_id, _OPEN)
        .values(status=status.value, closed_at=now, note=note)
    )
    if conn.execute(stmt).rowcount == 0:
        return False
    action = "problem.resolve" if status is ProblemStatus.RESOLVED else "problem.ignore"
    audit_trail.record(
        conn,
        actor=actor,
        action=action,
        entity_type="problem",
        entity_id=str(problem_id),
        detail={"note": note},
        now=now,
    )
    return True


def get_problem(conn: sa.Connection, problem_id: int) -> Problem | None:
    """One problem by id, or None."""
    row = conn.execute(sa.select(problems).where(problems.c.id == problem_id)).first()
    return _problem(row) if row is not None else None


def list_problems(
    conn: sa.Connection,
    *,
    team: Team | None = None,
    severity: Severity | None = None,
    status: ProblemStatus | None = ProblemStatus.OPEN,
    kind: ProblemKind | None = None,
    shop: str | None = None,
    limit: int = 100,
) -> list[Problem]:
    """Problems matching every filter given (``status=None`` means any status), newest first."""
    query = sa.select(problems).order_by(problems.c.last_seen.desc(), problems.c.id.desc()).limit(limit)
    filters = {"team": team, "severity": severity, "status": status, "kind": kind, "shop": shop}
    for column, value in filters.items():
        if value is not None:
            query = query.where(problems.c[column] == str(value))
    return [_problem(row) for row in conn.execute(query)]


def count_open(conn: sa.Connection) -> list[tuple[str, str, int]]:
    """Open problems counted by (team, severity), for status pages."""
    query = (
        sa.select(problems.c.team, problems.c.severity, sa.func.count())
        .where(_OPEN)
        .group_by(problems.c.team, problems.c.severity)
        .order_by(problems.c.team, problems.c.severity)
    )
    return [(str(team), str(severity), int(n)) for team, severity, n in conn.execute(query)]


def _problem(row: sa.Row[Any]) -> Problem:
    m = row._mapping
    return Problem(
        id=int(m["id"]),
        kind=ProblemKind(m["kind"]),
        team=Team(m["team"]),
        severity=Severity(m["severity"]),
        status=ProblemStatus(m["status"]),
        entity_type=m["entity_type"],
        entity_id=m["entity_id"],
        message=m["message"],
        resolution=m["resolution"],
        tried=m["tried"],
        count=int(m["count"]),
        first_seen=m["first_seen"],
        last_seen=m["last_seen"],
        shop=m["shop"],
        details=dict(m["details"] or {}),
        note=m["note"],
    )
