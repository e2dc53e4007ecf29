"""Small SQL helpers shared by the engine modules (dialect-specific upserts)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["upsert_insert"]


def upsert_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An ``INSERT`` that supports ``ON CONFLICT`` on this connection's dialect.

    Both PostgreSQL and SQLite (3.24+) support ``ON CONFLICT`` with a partial-index target, which is
    how the engine deduplicates without a read-then-write race.
    """
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {conn.dialect.name!r}")
