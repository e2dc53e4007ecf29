"""Go-live state (``golive_flows``, ``alert_tests``): which flows are live, and each test alert sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shopbridge.engine.schema import alert_tests, golive_flows
from shopbridge.engine.sql import upsert_insert

__all__ = [
    "AlertTest",
    "FlowSwitch",
    "alert_test_results",
    "flow_switches",
    "record_alert_test",
    "switch_flow",
]


@dataclass(frozen=True)
class FlowSwitch:
    flow: str
    live: bool
    changed_at: datetime
    actor: str
    override: bool
    reason: str


@dataclass(frozen=True)
class AlertTest:
    route: str
    sent_at: datetime
    ok: bool
    detail: str


def flow_switches(conn: sa.Connection) -> dict[str, FlowSwitch]:
    rows = conn.execute(sa.select(golive_flows)).all()
    return {
        row.flow: FlowSwitch(
            flow=row.flow,
            live=bool(row.live),
            changed_at=row.changed_at,
            actor=row.actor,
            override=bool(row.override),
            reason=row.reason,
        )
        for row in rows
    }


def switch_flow(
    conn: sa.Connection, flow: str, *, live: bool, actor: str, override: bool, reason: str, now: datetime
) -> None:
    values = {
        "live": int(live),
        "changed_at": now,
        "actor": actor,
        "override": int(override),
        "reason": reason,
    }
    stmt = upsert_insert(conn, golive_flows).values(flow=flow, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=[golive_flows.c.flow], set_=values))


def record_alert_test(conn: sa.Connection, route: str, *, ok: bool, detail: str, now: datetime) -> None:
    conn.execute(alert_tests.insert().values(route=route, sent_at=now, ok=int(ok), detail=detail))


def alert_test_results(conn: sa.Connection) -> dict[str, AlertTest]:
    """The latest test of each route."""
    rows = conn.execute(sa.select(alert_tests).order_by(alert_tests.c.id)).all()
    return {
        row.route: AlertTest(route=row.route, sent_at=row.sent_at, ok=bool(row.ok), detail=row.detail)
        for row in rows
    }
