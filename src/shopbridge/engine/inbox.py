"""The inbox: every inbound event is durably recorded, once, before it is acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.batch import NewEvent, insert_event, mark_events
from shopbridge.engine.schema import inbox_events

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
    redelivery into a no-op, even when two deliveries race. For many events at once see
    :func:`shopbridge.engine.batch.record_events` (the same statement).
    """
    event = NewEvent(
        source=source,
        shop=shop,
        topic=topic,
        event_id=event_id,
        payload=payload,
        webhook_id=webhook_id,
        api_version=api_version,
        triggered_at=triggered_at,
        status=status,
    )
    return insert_event(conn, event, now=now)


def mark_event(conn: sa.Connection, event_id: int, *, status: str, now: datetime) -> None:
    """Set an event's processing status (``processed``, ``ignored``, ``failed`` ...)."""
    mark_events(conn, [event_id], status=status, now=now)


def get_event(conn: sa.Connection, event_id: int) -> InboxEvent | None:
    """One recorded event by its row id."""
    row = conn.execute(sa.select(inbox_events).where(inbox_events.c.id == event_id)).first()
    return None if row is None else InboxEvent(**_mapping(row))


def _mapping(row: sa.Row[Any]) -> dict[str, Any]:
    return dict(row._mapping)
