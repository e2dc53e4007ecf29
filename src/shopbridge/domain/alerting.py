"""Which problems an alert route tells its people about, and when: pure decisions.

A route covers some owning teams from a minimum severity. Each sweep it is told about problems that
are *news* to it: never sent, closed since they were sent open, or seen at least twice as often as
when last sent (so a problem repeating every minute is re-announced at 2, 4, 8, 16 ... times, not
every minute). News at or above ``digest_below`` goes out at once, grouped into one message per
route per sweep; news below it waits for the daily digest. A route sends at most
``max_per_hour`` messages an hour: what it may not send now stays news for the next sweep, so
nothing is dropped, only grouped further.

Every text that leaves here has email addresses masked: alerts go to mailboxes and chat rooms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from shopbridge.domain.personal_data import mask_text
from shopbridge.domain.problems import Problem, ProblemStatus, Severity, Team

__all__ = [
    "AlertItem",
    "AlertMessage",
    "RoutePolicy",
    "Sent",
    "compose",
    "digest_due",
    "is_news",
    "select_news",
]


@dataclass(frozen=True)
class Sent:
    """What a route last said about a problem."""

    count: int
    status: str


@dataclass(frozen=True)
class RoutePolicy:
    """The pure part of an alert route's configuration."""

    teams: frozenset[Team] = frozenset()  # empty: every team
    min_severity: Severity = Severity.INFO
    digest_below: Severity = Severity.WARNING
    max_per_hour: int = 6

    def covers(self, problem: Problem) -> bool:
        in_team = not self.teams or problem.team in self.teams
        return in_team and _rank(problem.severity) >= _rank(self.min_severity)

    def is_urgent(self, problem: Problem) -> bool:
        return _rank(problem.severity) >= _rank(self.digest_below)


def _rank(severity: Severity) -> int:
    return list(Severity).index(severity)


def is_news(problem: Problem, sent: Sent | None) -> bool:
    """Never sent; closed (or reopened) since; or seen at least twice as often as when last sent."""
    if sent is None:
        return problem.status is ProblemStatus.OPEN  # a problem closed before we heard of it is no news
    if sent.status != problem.status.value:
        return True
    return problem.status is ProblemStatus.OPEN and problem.count >= 2 * sent.count


def select_news(
    problems: Iterable[Problem], sent: Mapping[int, Sent], policy: RoutePolicy
) -> tuple[list[Problem], list[Problem]]:
    """The route's news, split into (urgent now, for the digest); each list oldest first."""
    news = [p for p in problems if policy.covers(p) and is_news(p, sent.get(p.id))]
    news.sort(key=lambda p: (p.first_seen, p.id))
    urgent = [p for p in news if policy.is_urgent(p) or p.status is not ProblemStatus.OPEN]
    return urgent, [p for p in news if p not in urgent]


def digest_due(now: datetime, last_digest: datetime | None, hour: int) -> bool:
    """Once a day, from ``hour`` (UTC) on: not yet sent today and the hour has come."""
    if now.hour < hour:
        return False
    return last_digest is None or last_digest.date() < now.date()


@dataclass(frozen=True)
class AlertItem:
    problem_id: int
    kind: str
    team: str
    severity: str
    status: str
    entity: str
    message: str
    count: int
    url: str

    def line(self) -> str:
        state = "" if self.status == ProblemStatus.OPEN.value else f" [{self.status}]"
        seen = f" (seen {self.count} times)" if self.count > 1 else ""
        return f"{self.severity.upper()} {self.team}/{self.kind}{state}: {self.message}{seen} - {self.url}"


@dataclass(frozen=True)
class AlertMessage:
    """One message of one route: a subject, a plain-text body, and the items for structured channels."""

    route: str
    digest: bool
    subject: str
    items: tuple[AlertItem, ...]

    @property
    def text(self) -> str:
        return "\n".join([self.subject, "", *(item.line() for item in self.items)])


def compose(route: str, problems: Sequence[Problem], *, dashboard_url: str, digest: bool) -> AlertMessage:
    """The message telling ``route`` about ``problems``, each linked to its page on the dashboard."""
    items = tuple(_item(p, dashboard_url) for p in problems)
    worst = max((p.severity for p in problems), key=_rank, default=Severity.INFO)
    label = "daily digest" if digest else f"{len(items)} problem{'s' if len(items) != 1 else ''}"
    return AlertMessage(route, digest, f"[shopbridge] {label} ({worst} at worst) for {route}", items)


def _item(problem: Problem, dashboard_url: str) -> AlertItem:
    entity = f"{problem.shop}: " if problem.shop else ""
    return AlertItem(
        problem_id=problem.id,
        kind=problem.kind.value,
        team=problem.team.value,
        severity=problem.severity.value,
        status=problem.status.value,
        entity=mask_text(f"{entity}{problem.entity_type} {problem.entity_id}"),
        message=mask_text(problem.message),
        count=problem.count,
        url=f"{dashboard_url.rstrip('/')}/problems/{problem.id}",
    )
