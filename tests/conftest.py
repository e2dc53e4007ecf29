"""Shared fixtures: migrated stores on SQLite and PostgreSQL, a PostgreSQL URL factory, a fake clock.

``store`` runs a test twice, on SQLite and on PostgreSQL (marked ``postgres``). The PostgreSQL
cluster is started once per session (see ``tests/pgcluster.py``); each test gets a fresh database
copied from a migrated template, which is much faster than migrating each one. Without the
PostgreSQL binaries the postgres tests fail loudly, unless ``SHOPBRIDGE_SKIP_POSTGRES=1``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pgcluster import PgCluster, postgres_available
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store

_TEMPLATE = "shopbridge_template"


class PgUrl(str):
    """A URL of a fresh migrated database; call it for another, ``.empty()`` for an unmigrated one."""

    cluster: PgCluster

    def __new__(cls, cluster: PgCluster) -> PgUrl:
        url = super().__new__(cls, cluster.url(cluster.create_database(template=_TEMPLATE)))
        url.cluster = cluster
        return url

    def __call__(self) -> str:
        return self.cluster.url(self.cluster.create_database(template=_TEMPLATE))

    def empty(self) -> str:
        return self.cluster.url(self.cluster.create_database())


def _skip_postgres() -> bool:
    return os.environ.get("SHOPBRIDGE_SKIP_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL cluster for the session, with a migrated template database."""
    if _skip_postgres():
        pytest.skip("SHOPBRIDGE_SKIP_POSTGRES=1")
    if not postgres_available():
        pytest.fail("PostgreSQL binaries not found; install PostgreSQL 15 or set SHOPBRIDGE_SKIP_POSTGRES=1")
    cluster = PgCluster().start()
    try:
        cluster.create_database(name=_TEMPLATE)
        template = Store.connect(cluster.url(_TEMPLATE))
        template.migrate()
        template.close()  # a template must have no connections when it is copied
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_url(pg_cluster: PgCluster) -> PgUrl:
    """Session: URL of a fresh migrated database; ``pg_url()`` makes another, ``.empty()`` an empty one."""
    return PgUrl(pg_cluster)


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock at 2026-01-01T00:00Z that moves only with ``advance``."""
    return FakeClock(datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    store = Store.connect(f"sqlite:///{path}")
    store.migrate()
    store.close()  # the last connection to close folds the WAL into the main file
    assert not path.with_name("template.db-wal").exists()
    return path


@pytest.fixture
def sqlite_store(tmp_path: Path, _sqlite_template: Path) -> Iterator[Store]:
    """A migrated SQLite store in a temp file."""
    path = tmp_path / "shopbridge.db"
    shutil.copyfile(_sqlite_template, path)
    store = Store.connect(f"sqlite:///{path}")
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store, once on SQLite and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_store")
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database(template=_TEMPLATE)
    store = Store.connect(cluster.url(name))
    yield store
    store.close()
    cluster.drop_database(name)


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's console is made once, at import, with the width of whatever terminal (or none) the
    first importer had; tests read whole table rows (CLI, onboarding): make it wide, whatever ran first."""
    from shopbridge.cli.common import console

    monkeypatch.setattr(console, "width", 200)
