"""The store: one SQLAlchemy engine, its transactions, and its migrations.

SQLite is the embedded default; every transaction there starts with ``BEGIN IMMEDIATE`` so there
is a single writer at a time and no transaction can fail half-way when it upgrades from reading to
writing (SQLite's "database is locked" on lock upgrade). PostgreSQL is used when several worker
processes or machines share the work.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event

from shopbridge.engine.wakeups import Wakeups, take_noted

__all__ = ["Store", "normalise_url"]

_SQLITE_BUSY_MS = 30_000
_MIGRATION_LOCK = 0x5B0D_0001  # any constant, the same in every shopbridge process
_SQLITE_WAL_ATTEMPTS = 5


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the only PostgreSQL driver installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Store:
    """A database holding shopbridge's state; create it with :meth:`connect`."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        self._local = threading.local()
        # SQLite allows one writer, and every transaction here is a writer (BEGIN IMMEDIATE). Threads
        # of this process queue for it on a lock that hands over the moment a transaction ends;
        # queued in SQLite's busy handler instead, they would sleep in steps of up to 100 ms and find
        # the database free only when they next woke (measured: workers waited on the store about as
        # long as on the ERP, and the ERP's slots stood idle meanwhile). Other processes still wait
        # in the busy handler.
        self._writer = threading.Lock() if self.dialect == "sqlite" else None
        self.wakeups = Wakeups()  # idle workers of this process, woken when a commit adds work

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 5) -> Store:
        """Open a store at ``url`` (SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE``)."""
        url = normalise_url(url)
        if url.startswith("sqlite"):
            return cls(_sqlite_engine(url, pool_size))
        engine = sa.create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"options": "-c timezone=UTC"},
        )
        return cls(engine)

    def migrate(self) -> None:
        """Bring the schema up to the newest migration (``alembic upgrade head``)."""
        config = alembic_config()
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                # Two processes starting at once would both create the tables; the second waits here
                # and then finds the schema at head. (SQLite's BEGIN IMMEDIATE already serialises.)
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite a second ``begin()`` in a thread that already holds one would wait for its own
        write lock until the busy timeout; it is refused at once instead: pass the connection down.
        """
        if self.dialect == "sqlite" and getattr(self._local, "open", False):
            raise RuntimeError(
                "nested Store.begin() in one thread deadlocks on SQLite; pass the connection down"
            )
        self._local.open = True
        queued = self._writer is not None and self._writer.acquire(timeout=_SQLITE_BUSY_MS / 1000)
        take_noted()  # anything left from a transaction that did not commit
        committed = False
        try:
            with self.engine.begin() as conn:
                yield conn
            committed = True
        finally:
            noted = take_noted()
            if queued:
                assert self._writer is not None
                self._writer.release()
            self._local.open = False
        if committed:
            self.wakeups.signal(noted)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"


def alembic_config() -> Config:
    """An Alembic configuration that needs no ``alembic.ini`` (works from an installed package)."""
    config = Config()
    location = resources.files("shopbridge.engine") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


def _sqlite_engine(url: str, pool_size: int) -> sa.Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": _SQLITE_BUSY_MS / 1000, "check_same_thread": False}}
    if memory:
        # One shared connection, or each pooled connection would see its own empty database.
        kwargs["poolclass"] = sa.pool.StaticPool
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
    engine = sa.create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's implicit, deferred one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
    _enable_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _enable_wal(cursor: Any) -> None:
    # WAL is recorded in the file, so only a new database is switched. The switch needs the exclusive
    # lock, and when several processes open one new file at once SQLite may answer "database is
    # locked" without waiting in the busy handler (waiting could deadlock). Measured: about 1 in 400
    # such starts under load. The switch is idempotent, so it is simply tried again.
    for attempt in range(1, _SQLITE_WAL_ATTEMPTS + 1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "database is locked" not in str(exc) or attempt == _SQLITE_WAL_ATTEMPTS:
                raise
            time.sleep(0.02 * attempt)


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock up front: the single writer SQLite allows, waited for
    # politely (busy_timeout) rather than failing when a read later turns into a write.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
