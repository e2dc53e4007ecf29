"""The inbox: every inbound event is durably recorded, once, before it is acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import inbox_events
from shopbridge.engine.sql import upsert_insert

__all__ = ["InboxEvent", "get_event", "mark_event", "record_event"]


@dataclass(frozen=True)
class InboxEvent:
    id: int
    source: str
    shop: str
    topic: str
    event_id: str
    webhook_id: str
    api_version: str
    triggered_at: datetime | None
    received_at: datetime
    payload: str
    status: str
    processed_at: datetime | None


def record_event(
    conn: sa.Connection,
    *,
    source: str,
    shop: str,
    topic: str,
    event_id: str,
    webhook_id: str = "",
    api_version: str = "",
    triggered_at: datetime | None,
    payload: str,
    status: str = "received",
    now: datetime,
) -> int | None:
    """Record an inbound event; returns its id, or None if (source, shop, event_id) was seen before.

    Webhooks are delivered at least once: the unique constraint with ``ON CONFLICT DO NOTHING`` turns a
    redelivery into a no-op, even when two deliveries race.
    """
    stmt = upsert_insert(conn, inbox_events).values(
        source=source,
        shop=shop,
        topic=topic,
        event_id=event_id,
        webhook_id=webhook_id,
        api_version=api_version,
        triggered_at=triggered_at,
        received_at=now,
        payload=payload,
        status=status,
    )
    stmt = stmt.on_conflict_do_nothing(
        index_elements=[inbox_events.c.source, inbox_events.c.shop, inbox_events.c.event_id]
    )
    new_id = conn.execute(stmt.returning(inbox_events.c.id)).scalar_one_or_none()
    return None if new_id is None else int(new_id)


def mark_event(conn: sa.Connection, event_id: int, *, status: str, now: datetime) -> None:
    """Set an event's processing status (``processed``, ``ignored``, ``failed`` ...)."""
    stmt = inbox_events.update().where(inbox_events.c.id == event_id).values(status=status, processed_at=now)
    conn.execute(stmt)


def get_event(conn: sa.Connection, event_id: int) -> InboxEvent | None:
    """One recorded event by its row id."""
    row = conn.execute(sa.select(inbox_events).where(inbox_events.c.id == event_id)).first()
    return None if row is None else InboxEvent(**_mapping(row))


def _mapping(row: sa.Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)
