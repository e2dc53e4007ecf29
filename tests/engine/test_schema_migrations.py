"""Migrations from empty equal the declared schema; enum values and database constraints agree."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shopbridge.domain.problems import ProblemKind, ProblemStatus, Severity, Team
from shopbridge.engine import cursors
from shopbridge.engine.schema import JobState, metadata
from shopbridge.engine.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        yield request.getfixturevalue("pg_url").empty()


def test_migrations_from_empty_equal_the_declared_schema(empty_url: str) -> None:
    store = Store.connect(empty_url)
    try:
        store.migrate()
        with store.engine.connect() as conn:
            opts = {"compare_type": True, "compare_server_default": _defaults_differ}
            context = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(context, metadata)
    finally:
        store.close()
    assert diff == []


def _defaults_differ(
    _context: object,
    _inspected_column: object,
    _metadata_column: object,
    inspected_default: str | None,
    _metadata_default: object,
    rendered_metadata_default: str | None,
) -> bool:
    # Alembic's own comparison trips over how each database spells a literal default (SQLite keeps
    # the quotes of '', PostgreSQL adds casts like '0'::bigint): compare the bare literal values.
    def bare(value: str | None) -> str | None:
        if value is None:
            return None
        value = re.sub(r"::[a-z ]+$", "", value.strip())
        return value.strip("()").strip().strip("'\"")

    return bare(inspected_default) != bare(rendered_metadata_default)


def test_processes_migrating_an_empty_database_at_once_all_succeed(empty_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def migrate() -> None:
        store = Store.connect(empty_url)
        try:
            start.wait()
            store.migrate()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_migrating_twice_changes_nothing(store: Store) -> None:
    store.migrate()
    with store.begin() as conn:
        assert sa.inspect(conn).has_table("jobs")


_ENUM_COLUMNS: list[tuple[str, str, type[StrEnum]]] = [
    ("jobs", "state", JobState),
    ("problems", "kind", ProblemKind),
    ("problems", "team", Team),
    ("problems", "severity", Severity),
    ("problems", "status", ProblemStatus),
]


@pytest.mark.parametrize(("table", "column", "enum"), _ENUM_COLUMNS)
def test_python_enum_values_equal_the_database_check_constraint(
    store: Store, table: str, column: str, enum: type[StrEnum]
) -> None:
    with store.begin() as conn:
        checks = sa.inspect(conn).get_check_constraints(table)
    [check] = [c for c in checks if c["name"] == f"ck_{table}_{column}"]
    assert set(re.findall(r"'([^']*)'", check["sqltext"])) == {member.value for member in enum}


@pytest.mark.parametrize(("table", "column", "enum"), _ENUM_COLUMNS)
def test_the_database_refuses_a_value_outside_the_enum(
    store: Store, table: str, column: str, enum: type[StrEnum]
) -> None:
    statement = sa.text(f"UPDATE {table} SET {column} = 'not-a-member'")
    seed_jobs_and_problems(store)
    with pytest.raises(sa.exc.IntegrityError), store.begin() as conn:
        conn.execute(statement)


def seed_jobs_and_problems(store: Store) -> None:
    from shopbridge.domain.problems import ProblemReport
    from shopbridge.engine import problems, queue

    now = datetime(2026, 1, 1, tzinfo=UTC)
    with store.begin() as conn:
        queue.enqueue(conn, "k", {}, now=now)
        report = ProblemReport(kind=ProblemKind.UNKNOWN_SKU, entity_type="order", entity_id="1", message="m")
        problems.report_problem(conn, report, now=now)


def test_timestamps_come_back_aware_in_utc(store: Store) -> None:
    written = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    with store.begin() as conn:
        cursors.set_cursor(conn, "c", "v", now=written)
    with store.begin() as conn:
        read = _updated_at(conn)
    assert read == written
    assert read.tzinfo == UTC


def _updated_at(conn: sa.Connection) -> datetime:
    from shopbridge.engine.schema import cursors as table

    value = conn.execute(sa.select(table.c.updated_at)).scalar_one()
    assert isinstance(value, datetime)
    return value


def test_a_naive_timestamp_is_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"), store.begin() as conn:
        cursors.set_cursor(conn, "c", "v", now=datetime(2026, 1, 1))  # naive: the point of the test
