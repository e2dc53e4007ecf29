"""What each alert route has sent: per problem (so only news is sent) and per message (rate limit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from shopbridge.domain.alerting import Sent
from shopbridge.domain.problems import Problem
from shopbridge.engine.schema import alert_deliveries, alert_messages
from shopbridge.engine.sql import upsert_insert

__all__ = ["an_hour_before", "last_digest", "mark_sent", "messages_since", "sent_by_route"]


def sent_by_route(conn: sa.Connection, route: str) -> dict[int, Sent]:
    query = sa.select(alert_deliveries).where(alert_deliveries.c.route == route)
    rows = (row._mapping for row in conn.execute(query))  # "count" by name: Row.count is tuple's method
    return {int(m["problem_id"]): Sent(int(m["count"]), str(m["status"])) for m in rows}


def mark_sent(
    conn: sa.Connection, route: str, problems: Sequence[Problem], *, digest: bool, now: datetime
) -> None:
    """Remember what ``route`` was just told (in the transaction after the send succeeded)."""
    for problem in problems:
        values = {"count": problem.count, "status": problem.status.value, "sent_at": now}
        stmt = upsert_insert(conn, alert_deliveries).values(route=route, problem_id=problem.id, **values)
        index = [alert_deliveries.c.route, alert_deliveries.c.problem_id]
        conn.execute(stmt.on_conflict_do_update(index_elements=index, set_=values))
    row = {"route": route, "sent_at": now, "problems": len(problems), "digest": int(digest)}
    conn.execute(alert_messages.insert().values(**row))


def messages_since(conn: sa.Connection, route: str, since: datetime) -> int:
    """Messages (digests not counted: they are once a day anyway) sent by ``route`` since ``since``."""
    query = sa.select(sa.func.count()).where(
        alert_messages.c.route == route, alert_messages.c.sent_at > since, alert_messages.c.digest == 0
    )
    return int(conn.execute(query).scalar_one())


def last_digest(conn: sa.Connection, route: str) -> datetime | None:
    query = sa.select(sa.func.max(alert_messages.c.sent_at)).where(
        alert_messages.c.route == route, alert_messages.c.digest == 1
    )
    value: datetime | None = conn.execute(query).scalar_one()
    return value


def an_hour_before(now: datetime) -> datetime:
    return now - timedelta(hours=1)
