"""The store: connections, transactions, URLs."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from shopbridge.engine.store import Store, _enable_wal, normalise_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgresql_urls_use_psycopg_3(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_a_transaction_that_raises_is_rolled_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn:
        conn.execute(sa.text("INSERT INTO counters (name, value) VALUES ('x', 1)"))
        raise RuntimeError("boom")
    with store.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM counters")).scalar_one() == 0


def test_sqlite_uses_wal(sqlite_store: Store) -> None:
    with sqlite_store.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_a_nested_transaction_on_sqlite_is_refused_at_once(sqlite_store: Store) -> None:
    with sqlite_store.begin(), pytest.raises(RuntimeError, match="nested"), sqlite_store.begin():
        pass
    with sqlite_store.begin() as conn:  # the outer one released the thread's slot
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_an_in_memory_sqlite_store_keeps_its_schema_across_connections() -> None:
    store = Store.connect("sqlite://")
    try:
        store.migrate()
        with store.begin() as conn:
            assert sa.inspect(conn).has_table("jobs")
    finally:
        store.close()


class _LockedCursor:
    """A cursor whose WAL switch meets a lock ``locked_times`` times first (as racing new files do)."""

    def __init__(self, locked_times: int, message: str = "database is locked") -> None:
        self.locked_times = locked_times
        self.message = message
        self.calls = 0

    def execute(self, sql: str) -> None:
        self.calls += 1
        if self.calls <= self.locked_times:
            raise sqlite3.OperationalError(self.message)


def test_the_wal_switch_is_tried_again_when_a_racing_process_holds_the_lock() -> None:
    cursor = _LockedCursor(locked_times=2)
    _enable_wal(cursor)
    assert cursor.calls == 3


def test_the_wal_switch_gives_up_after_its_attempts_and_says_why() -> None:
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        _enable_wal(_LockedCursor(locked_times=99))


def test_other_errors_of_the_wal_switch_are_not_retried() -> None:
    cursor = _LockedCursor(locked_times=1, message="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        _enable_wal(cursor)
    assert cursor.calls == 1
