"""Named integer counters (events received, jobs done ...), incremented atomically in SQL."""

from __future__ import annotations

import sqlalchemy as sa

from shopbridge.engine.schema import counters
from shopbridge.engine.sql import upsert_insert

__all__ = ["increment", "read", "read_all"]


def increment(conn: sa.Connection, name: str, by: int = 1) -> None:
    """Add ``by`` to counter ``name`` (created at 0); atomic, so concurrent workers never lose a count."""
    stmt = upsert_insert(conn, counters).values(name=name, value=by)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=[counters.c.name], set_={"value": counters.c.value + by})
    )


def read(conn: sa.Connection, name: str) -> int:
    """The value of counter ``name`` (0 if it was never incremented)."""
    value = conn.execute(sa.select(counters.c.value).where(counters.c.name == name)).scalar_one_or_none()
    return int(value or 0)


def read_all(conn: sa.Connection) -> dict[str, int]:
    """Every counter by name."""
    return {
        str(name): int(value) for name, value in conn.execute(sa.select(counters.c.name, counters.c.value))
    }
