"""Named watermarks for sweeps ("orders updated since ..."), stored as opaque strings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from shopbridge.engine.schema import cursors
from shopbridge.engine.sql import upsert_insert

__all__ = ["get_cursor", "set_cursor"]


def get_cursor(conn: sa.Connection, name: str) -> str | None:
    """The stored value of cursor ``name``, or None if it was never set."""
    value = conn.execute(sa.select(cursors.c.value).where(cursors.c.name == name)).scalar_one_or_none()
    return None if value is None else str(value)


def set_cursor(conn: sa.Connection, name: str, value: str, *, now: datetime) -> None:
    """Store ``value`` for cursor ``name`` (insert or overwrite), in the caller's transaction."""
    stmt = upsert_insert(conn, cursors).values(name=name, value=value, updated_at=now)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=[cursors.c.name], set_={"value": value, "updated_at": now})
    )
