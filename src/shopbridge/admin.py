"""The operator's service layer: what the CLI and the dashboard may ask and do.

Entrypoints call these functions and never the store: each opens one transaction, reads the time
from the services' clock, and turns "no such thing" or "not in that state" into :class:`NotFound`
or :class:`Refused` (both :class:`~shopbridge.errors.BadInput`, so the CLI exits 1 and the API
answers 404 or 409). Every manual action is audited by the engine in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

from shopbridge.domain.problems import Problem, ProblemKind, ProblemStatus, Severity, Team
from shopbridge.engine import audit, counters, queue_admin, trail
from shopbridge.engine import problems as problem_store
from shopbridge.engine.audit import AuditEntry
from shopbridge.engine.clock import Clock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.store import Store
from shopbridge.errors import BadInput

__all__ = [
    "AuditEntry",
    "Job",
    "NotFound",
    "Problem",
    "ProblemCount",
    "QueueRow",
    "Refused",
    "Services",
    "Status",
    "audit_trail",
    "counter_values",
    "dead_job_ids",
    "discard_job",
    "get_job",
    "get_problem",
    "ignore_problem",
    "job_json",
    "list_jobs",
    "list_problems",
    "open_problems_by_team",
    "order_story",
    "ping",
    "problem_json",
    "replay_job",
    "resolve_problem",
    "retry_job",
    "status",
]

_E = TypeVar("_E", bound=StrEnum)
_DEAD_REPLAY_PAGE = 10_000


class Services(Protocol):
    """What this layer needs of :class:`shopbridge.bootstrap.Services` (flows never import bootstrap)."""

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...


class NotFound(BadInput):
    """The job or problem named does not exist."""


class Refused(BadInput):
    """The action does not apply in the thing's current state (replaying a job that is not dead)."""


@dataclass(frozen=True)
class QueueRow:
    kind: str
    state: str
    count: int
    oldest_age_seconds: float | None


@dataclass(frozen=True)
class ProblemCount:
    team: str
    severity: str
    count: int


@dataclass(frozen=True)
class Status:
    """The queue by kind and state, and open problems by owner and severity, as of ``as_of``."""

    as_of: datetime
    queue: tuple[QueueRow, ...]
    problems: tuple[ProblemCount, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "queue": [vars(row) for row in self.queue],
            "problems": [vars(row) for row in self.problems],
        }


def status(services: Services) -> Status:
    now = services.clock.now()
    with services.store.begin() as conn:
        queue = tuple(
            QueueRow(s.kind, s.state, s.count, s.oldest_age_seconds) for s in queue_admin.stats(conn, now=now)
        )
        counts = tuple(ProblemCount(t, s, n) for t, s, n in problem_store.count_open(conn))
    return Status(as_of=now, queue=queue, problems=counts)


# --- jobs -------------------------------------------------------------------------------------------


def list_jobs(
    services: Services, *, state: str | None = None, kind: str | None = None, limit: int = 50
) -> list[Job]:
    job_state = _parse(JobState, state, "state")
    with services.store.begin() as conn:
        return queue_admin.list_jobs(conn, state=job_state, kind=kind, limit=limit)


def get_job(services: Services, job_id: int) -> Job:
    with services.store.begin() as conn:
        job = queue_admin.get_job(conn, job_id)
    if job is None:
        raise NotFound(f"there is no job {job_id}")
    return job


def dead_job_ids(services: Services, *, kind: str | None = None) -> list[int]:
    """Every dead job's id, oldest first (the order a replay should go in)."""
    jobs = list_jobs(services, state=JobState.DEAD.value, kind=kind, limit=_DEAD_REPLAY_PAGE)
    return sorted(job.id for job in jobs)


def replay_job(services: Services, job_id: int, *, actor: str) -> None:
    """Send a dead job back to the queue with its attempts reset."""
    with services.store.begin() as conn:
        done = queue_admin.replay(conn, job_id, actor=actor, now=services.clock.now())
    if not done:
        _refuse_job(services, job_id, "replayed", "only dead jobs can be replayed")


def retry_job(services: Services, job_id: int, *, actor: str) -> None:
    """Make a pending job, waiting out its backoff, due now."""
    with services.store.begin() as conn:
        done = queue_admin.retry_now(conn, job_id, actor=actor, now=services.clock.now())
    if not done:
        _refuse_job(services, job_id, "retried", "only pending jobs can be retried now; replay dead ones")


def discard_job(services: Services, job_id: int, *, actor: str, reason: str) -> None:
    """Drop a dead job for good; its content is kept in the audit trail."""
    if not reason.strip():
        raise BadInput("discarding a job needs a reason (--reason)")
    with services.store.begin() as conn:
        done = queue_admin.discard(conn, job_id, actor=actor, reason=reason, now=services.clock.now())
    if not done:
        _refuse_job(services, job_id, "discarded", "only dead jobs can be discarded")


def _refuse_job(services: Services, job_id: int, verb: str, rule: str) -> None:
    job = get_job(services, job_id)  # raises NotFound when it does not exist
    raise Refused(f"job {job_id} is {job.state} and cannot be {verb}: {rule}")


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "state": str(job.state),
        "shop": job.shop,
        "entity_key": job.entity_key,
        "dedup_key": job.dedup_key,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "created_at": _iso(job.created_at),
        "run_after": _iso(job.run_after),
        "last_error": job.last_error,
        "payload": job.payload,
    }


# --- problems ---------------------------------------------------------------------------------------


def list_problems(
    services: Services,
    *,
    team: str | None = None,
    severity: str | None = None,
    status: str | None = ProblemStatus.OPEN.value,
    kind: str | None = None,
    limit: int = 100,
) -> list[Problem]:
    """Problems matching every filter (``status=None``: any status), most recently seen first."""
    team_, severity_ = _parse(Team, team, "team"), _parse(Severity, severity, "severity")
    status_, kind_ = _parse(ProblemStatus, status, "status"), _parse(ProblemKind, kind, "kind")
    with services.store.begin() as conn:
        return problem_store.list_problems(
            conn, team=team_, severity=severity_, status=status_, kind=kind_, limit=limit
        )


def open_problems_by_team(services: Services, *, limit: int = 500) -> list[tuple[str, list[Problem]]]:
    """Open problems grouped by owning team (teams in taxonomy order), most severe first in each."""
    order = list(Severity)
    found = list_problems(services, limit=limit)
    groups: list[tuple[str, list[Problem]]] = []
    for team in Team:
        mine = sorted((p for p in found if p.team is team), key=lambda p: -order.index(p.severity))
        if mine:
            groups.append((team.value, mine))
    return groups


def get_problem(services: Services, problem_id: int) -> Problem:
    with services.store.begin() as conn:
        problem = problem_store.get_problem(conn, problem_id)
    if problem is None:
        raise NotFound(f"there is no problem {problem_id}")
    return problem


def resolve_problem(services: Services, problem_id: int, *, actor: str, note: str = "") -> None:
    with services.store.begin() as conn:
        done = problem_store.resolve_problem(
            conn, problem_id, actor=actor, note=note, now=services.clock.now()
        )
    if not done:
        _refuse_problem(services, problem_id, "resolved")


def ignore_problem(services: Services, problem_id: int, *, actor: str, reason: str) -> None:
    if not reason.strip():
        raise BadInput("ignoring a problem needs a reason (--reason)")
    with services.store.begin() as conn:
        done = problem_store.ignore_problem(
            conn, problem_id, actor=actor, reason=reason, now=services.clock.now()
        )
    if not done:
        _refuse_problem(services, problem_id, "ignored")


def _refuse_problem(services: Services, problem_id: int, verb: str) -> None:
    problem = get_problem(services, problem_id)
    raise Refused(f"problem {problem_id} is already {problem.status} and cannot be {verb}")


def problem_json(problem: Problem) -> dict[str, Any]:
    data = {name: getattr(problem, name) for name in Problem.__dataclass_fields__}
    data["first_seen"] = _iso(problem.first_seen)
    data["last_seen"] = _iso(problem.last_seen)
    return {key: str(value) if isinstance(value, StrEnum) else value for key, value in data.items()}


# --- audit and counters -----------------------------------------------------------------------------


def audit_trail(
    services: Services, *, entity_type: str | None = None, entity_id: str | None = None
) -> list[AuditEntry]:
    with services.store.begin() as conn:
        return audit.list_audit(conn, entity_type=entity_type, entity_id=entity_id)


def counter_values(services: Services) -> Mapping[str, int]:
    """Every engine counter (webhooks received, duplicates, ...) by name."""
    with services.store.begin() as conn:
        return counters.read_all(conn)


def ping(services: Services) -> None:
    """Raise if the store does not answer (the health check)."""
    with services.store.begin() as conn:
        conn.execute(sa.text("SELECT 1"))


def _parse(enum: type[_E], value: str | None, name: str) -> _E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise BadInput(f"unknown {name} {value!r}; choose one of {choices}") from None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def order_story(services: Services, key: str) -> trail.OrderStory:
    """One order's sync state, trail, jobs and problems, by Shopify name or id or ERP number."""
    with services.store.begin() as conn:
        sync = trail.find_order(conn, key)
        if sync is None:
            raise NotFound(f"no order {key!r} is known to shopbridge (give its name, id or ERP number)")
        return trail.order_story(conn, sync)
