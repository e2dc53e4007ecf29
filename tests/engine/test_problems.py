"""Problems: repeats counted, filters, resolve and ignore audited, automatic resolution."""

from __future__ import annotations

import pytest

from shopbridge.domain.problems import ProblemKind, ProblemReport, ProblemStatus, Severity, Team
from shopbridge.engine import problems
from shopbridge.engine.audit import list_audit
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store

SKU = ProblemReport(
    kind=ProblemKind.UNKNOWN_SKU, entity_type="order", entity_id="1001", message="SKU X unknown", shop="uk"
)


def report(store: Store, clock: FakeClock, item: ProblemReport = SKU) -> int:
    with store.begin() as conn:
        return problems.report_problem(conn, item, now=clock.now())


def test_a_repeat_of_an_open_problem_counts_instead_of_adding_a_row(
    store: Store, fake_clock: FakeClock
) -> None:
    first = report(store, fake_clock)
    fake_clock.advance(60)
    assert report(store, fake_clock) == first
    with store.begin() as conn:
        problem = problems.get_problem(conn, first)
    assert problem is not None
    assert (problem.count, problem.first_seen, problem.last_seen) == (
        2,
        fake_clock.now().replace(minute=0),
        fake_clock.now(),
    )


def test_a_new_problem_takes_the_kinds_defaults(store: Store, fake_clock: FakeClock) -> None:
    problem_id = report(store, fake_clock)
    with store.begin() as conn:
        problem = problems.get_problem(conn, problem_id)
    assert problem is not None
    assert (problem.team, problem.severity, problem.status) == (
        Team.MERCHANDISING,
        Severity.ERROR,
        ProblemStatus.OPEN,
    )
    assert problem.resolution == "release_when"


def test_after_resolution_the_same_problem_opens_afresh(store: Store, fake_clock: FakeClock) -> None:
    first = report(store, fake_clock)
    with store.begin() as conn:
        assert problems.resolve_problem(conn, first, actor="ana", note="item created", now=fake_clock.now())
    assert report(store, fake_clock) != first


def test_resolving_and_ignoring_are_audited(store: Store, fake_clock: FakeClock) -> None:
    first = report(store, fake_clock)
    second = report(
        store,
        fake_clock,
        ProblemReport(kind=ProblemKind.CREDIT_LIMIT, entity_type="order", entity_id="2", message="m"),
    )
    with store.begin() as conn:
        problems.resolve_problem(conn, first, actor="ana", now=fake_clock.now())
        problems.ignore_problem(conn, second, actor="bo", reason="test order", now=fake_clock.now())
        entries = list_audit(conn, entity_type="problem")
        ignored = problems.get_problem(conn, second)
    assert [(e.actor, e.action, e.entity_id) for e in entries] == [
        ("bo", "problem.ignore", str(second)),
        ("ana", "problem.resolve", str(first)),
    ]
    assert ignored is not None and (ignored.status, ignored.note) == (ProblemStatus.IGNORED, "test order")


def test_ignoring_needs_a_reason(store: Store, fake_clock: FakeClock) -> None:
    first = report(store, fake_clock)
    with pytest.raises(ValueError), store.begin() as conn:
        problems.ignore_problem(conn, first, actor="bo", reason=" ", now=fake_clock.now())


def test_closing_a_closed_problem_reports_false(store: Store, fake_clock: FakeClock) -> None:
    first = report(store, fake_clock)
    with store.begin() as conn:
        assert problems.resolve_problem(conn, first, actor="ana", now=fake_clock.now())
        assert not problems.resolve_problem(conn, first, actor="ana", now=fake_clock.now())


def test_auto_resolve_closes_only_that_kind_and_entity(store: Store, fake_clock: FakeClock) -> None:
    report(store, fake_clock)
    other = ProblemReport(
        kind=ProblemKind.UNKNOWN_SKU, entity_type="order", entity_id="1002", message="m", shop="uk"
    )
    report(store, fake_clock, other)
    with store.begin() as conn:
        closed = problems.resolve_problems(
            conn,
            kind=ProblemKind.UNKNOWN_SKU,
            entity_type="order",
            entity_id="1001",
            shop="uk",
            now=fake_clock.now(),
        )
        still_open = problems.list_problems(conn)
    assert closed == 1
    assert [p.entity_id for p in still_open] == ["1002"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"team": Team.FINANCE}, ["2"]),
        ({"severity": Severity.ERROR}, ["2", "1001"]),
        ({"kind": ProblemKind.UNKNOWN_SKU}, ["1001"]),
        ({"shop": "uk"}, ["1001"]),
        ({"status": ProblemStatus.RESOLVED}, []),
        ({"status": None}, ["2", "1001"]),
    ],
)
def test_list_filters_by_team_severity_status_kind_and_shop(
    store: Store, fake_clock: FakeClock, filters: dict[str, object], expected: list[str]
) -> None:
    report(store, fake_clock)
    fake_clock.advance(1)
    report(
        store,
        fake_clock,
        ProblemReport(kind=ProblemKind.CREDIT_LIMIT, entity_type="order", entity_id="2", message="m"),
    )
    with store.begin() as conn:
        found = problems.list_problems(conn, **filters)  # type: ignore[arg-type]
    assert [p.entity_id for p in found] == expected


def test_open_problems_are_counted_by_team_and_severity(store: Store, fake_clock: FakeClock) -> None:
    report(store, fake_clock)
    report(store, fake_clock)
    with store.begin() as conn:
        assert problems.count_open(conn) == [("merchandising", "error", 1)]


def test_many_repeats_keep_one_open_problem(store: Store, fake_clock: FakeClock) -> None:
    # Past five runs psycopg prepares the statement; the partial-index upsert must still match.
    ids = {report(store, fake_clock) for _ in range(8)}
    with store.begin() as conn:
        [problem] = problems.list_problems(conn)
    assert (len(ids), problem.count) == (1, 8)
