"""Which problems a route hears about and when: news, severity split, digest time, message text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shopbridge.domain.alerting import RoutePolicy, Sent, compose, digest_due, is_news, select_news
from shopbridge.domain.problems import Problem, ProblemKind, ProblemStatus, Severity, Team

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def problem(
    id: int = 1,
    team: Team = Team.FINANCE,
    severity: Severity = Severity.ERROR,
    status: ProblemStatus = ProblemStatus.OPEN,
    count: int = 1,
) -> Problem:
    return Problem(
        id=id,
        kind=ProblemKind.PAYOUT_MISMATCH,
        team=team,
        severity=severity,
        status=status,
        entity_type="payout",
        entity_id=str(id),
        message=f"payout {id} is short",
        resolution="person",
        tried="",
        count=count,
        first_seen=T0,
        last_seen=T0,
    )


@pytest.mark.parametrize(
    ("current", "sent", "news"),
    [
        (problem(), None, True),  # never sent
        (problem(status=ProblemStatus.RESOLVED), None, False),  # closed before anyone heard of it
        (problem(count=1), Sent(1, "open"), False),  # already sent as it is
        (problem(count=3), Sent(2, "open"), False),  # repeats, but not yet twice as often
        (problem(count=4), Sent(2, "open"), True),  # twice as often: say so again
        (problem(status=ProblemStatus.RESOLVED, count=1), Sent(1, "open"), True),  # closed since sent
        (problem(status=ProblemStatus.IGNORED, count=9), Sent(9, "ignored"), False),
    ],
)
def test_is_news(current: Problem, sent: Sent | None, news: bool) -> None:
    assert is_news(current, sent) is news


def test_a_route_hears_its_teams_from_its_severity_and_low_severity_waits_for_the_digest() -> None:
    policy = RoutePolicy(
        teams=frozenset({Team.FINANCE}), min_severity=Severity.WARNING, digest_below=Severity.ERROR
    )
    found = [
        problem(1, Team.FINANCE, Severity.CRITICAL),
        problem(2, Team.FINANCE, Severity.WARNING),
        problem(3, Team.FINANCE, Severity.INFO),  # below the route's minimum: never
        problem(4, Team.OPERATIONS, Severity.CRITICAL),  # another team's
        problem(5, Team.FINANCE, Severity.ERROR),
    ]
    urgent, digest = select_news(found, {}, policy)
    assert [p.id for p in urgent] == [1, 5]
    assert [p.id for p in digest] == [2]


def test_a_closed_problem_is_told_at_once_whatever_its_severity() -> None:
    closed = problem(7, severity=Severity.INFO, status=ProblemStatus.RESOLVED)
    urgent, digest = select_news([closed], {7: Sent(1, "open")}, RoutePolicy())
    assert (urgent, digest) == ([closed], [])


def test_an_empty_team_list_covers_every_team() -> None:
    found = [problem(n, team) for n, team in enumerate(Team, start=1)]
    assert len(select_news(found, {}, RoutePolicy())[0]) == len(Team)


@pytest.mark.parametrize(
    ("now", "last", "due"),
    [
        (T0.replace(hour=7), None, False),  # before the hour
        (T0.replace(hour=8), None, True),
        (T0.replace(hour=15), T0.replace(hour=8), False),  # already sent today
        (T0.replace(day=7, hour=8, minute=1), T0.replace(hour=8), True),  # the next day
    ],
)
def test_digest_due_once_a_day_from_its_hour(now: datetime, last: datetime | None, due: bool) -> None:
    assert digest_due(now, last, 8) is due


def test_a_message_links_every_problem_and_masks_email_addresses() -> None:
    found = [replace(problem(3), message="customer jane@example.com clashes", count=4), problem(4)]
    message = compose("finance-mail", found, dashboard_url="https://sb.example.com/", digest=False)
    assert message.subject == "[shopbridge] 2 problems (error at worst) for finance-mail"
    assert (
        "https://sb.example.com/problems/3" in message.text
        and "https://sb.example.com/problems/4" in message.text
    )
    assert "jane@example.com" not in message.text and "j•••@e•••.com" in message.text
    assert "seen 4 times" in message.text
