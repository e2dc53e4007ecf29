"""Small SQL helpers shared by the engine modules (dialect-specific upserts, statements built once)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["PerDialect", "dialect_insert", "upsert_insert"]

T = TypeVar("T")


def upsert_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An ``INSERT`` that supports ``ON CONFLICT`` on this connection's dialect.

    Both PostgreSQL and SQLite (3.24+) support ``ON CONFLICT`` with a partial-index target, which is
    how the engine deduplicates without a read-then-write race.
    """
    return dialect_insert(conn.dialect.name, table)


def dialect_insert(dialect: str, table: sa.Table) -> Any:
    """:func:`upsert_insert` for a dialect named ``postgresql`` or ``sqlite``."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")


class PerDialect(Generic[T]):
    """A value (typically a set of statements) built once per dialect, on first use, thread-safely.

    On first use rather than at import, so importing the engine compiles nothing and a process only
    builds what its own database needs. Reads after the first take no lock.
    """

    def __init__(self, build: Callable[[str], T]) -> None:
        self._build = build
        self._built: dict[str, T] = {}
        self._lock = threading.Lock()

    def __call__(self, conn: sa.Connection) -> T:
        dialect = conn.dialect.name
        built = self._built.get(dialect)
        if built is None:
            with self._lock:  # two threads on first use: one builds, the other waits and reuses it
                built = self._built.get(dialect)
                if built is None:
                    built = self._built[dialect] = self._build(dialect)
        return built
