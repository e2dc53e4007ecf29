"""What the problems inbox does to problems: retry now, and resolve or ignore many at once.

Like :mod:`shopbridge.admin`, entrypoints call these and never the store. *Retry now* re-runs the job
behind a problem: a dead job is replayed, a pending one made due at once, and an order whose job
already ended (a quarantined order waiting for a SKU) gets a fresh order job, which posts the order
and closes the problem when the cause is fixed. Every action is audited with the person's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shopbridge.admin import NotFound, Refused, Services, get_problem, ignore_problem, resolve_problem
from shopbridge.domain.problems import Problem, ProblemStatus
from shopbridge.engine import audit, queue, queue_admin
from shopbridge.engine.job import Job, JobState, job_from_row
from shopbridge.engine.schema import jobs
from shopbridge.errors import BadInput
from shopbridge.flows import order_to_sales_order as orders

__all__ = ["BULK_ACTIONS", "BulkOutcome", "bulk_act", "retry_problem", "retryable"]

BULK_ACTIONS = ("retry", "resolve", "ignore")
_BULK_LIMIT = 500


@dataclass(frozen=True)
class BulkOutcome:
    done: tuple[int, ...]
    refused: tuple[tuple[int, str], ...]  # (problem id, why)


def retryable(problem: Problem) -> bool:
    """Whether *retry now* can apply: the problem is open and about a job or an order."""
    return problem.status is ProblemStatus.OPEN and problem.entity_type in ("job", "order")


def retry_problem(services: Services, problem_id: int, *, actor: str) -> int:
    """Re-run the problem's job now; returns the id of the job that will run. Audited."""
    problem = get_problem(services, problem_id)
    if not retryable(problem):
        raise Refused(
            f"problem {problem_id} is {problem.status} and about a {problem.entity_type}: "
            "there is no job to retry; fix the cause, then resolve it"
        )
    now = services.clock.now()
    with services.store.begin() as conn:
        job = _job_of(conn, problem)
        if job is not None and job.state is JobState.DEAD:
            queue_admin.replay(conn, job.id, actor=actor, now=now)
            job_id = job.id
        elif job is not None and job.state is JobState.PENDING:
            queue_admin.retry_now(conn, job.id, actor=actor, now=now)
            job_id = job.id
        elif job is not None and job.state is JobState.RUNNING:
            raise Refused(f"job {job.id} of problem {problem_id} is running now; wait for it")
        elif problem.entity_type == "order":
            job_id = _new_order_job(conn, problem, actor=actor, now=now)
        else:
            raise Refused(
                f"job {problem.entity_id} of problem {problem_id} has finished; resolve the problem"
            )
        audit.record(
            conn,
            actor=actor,
            action="problem.retry",
            entity_type="problem",
            entity_id=str(problem_id),
            detail={"job_id": job_id},
            now=now,
        )
    return job_id


def _job_of(conn: sa.Connection, problem: Problem) -> Job | None:
    """The job behind the problem: the job itself, or the order's latest job."""
    if problem.entity_type == "job":
        if not problem.entity_id.isdigit():
            return None
        return queue_admin.get_job(conn, int(problem.entity_id))
    key = orders.order_entity_key(problem.shop, problem.entity_id)
    row = conn.execute(
        sa.select(jobs).where(jobs.c.entity_key == key).order_by(jobs.c.id.desc()).limit(1)
    ).first()
    return None if row is None else job_from_row(row)


def _new_order_job(conn: sa.Connection, problem: Problem, *, actor: str, now: datetime) -> int:
    """A fresh order job, as the quarantine release makes one (the order flow decides what to do)."""
    return queue.enqueue(
        conn,
        orders.KIND,
        {"order_id": problem.entity_id, "source": "retry", "topic": "retry", "by": actor},
        entity_key=orders.order_entity_key(problem.shop, problem.entity_id),
        dedup_key=f"retry:{problem.shop}:{problem.entity_id}:{problem.id}:{problem.count}",
        shop=problem.shop,
        now=now,
    )


def bulk_act(
    services: Services, problem_ids: Sequence[int], action: str, *, actor: str, reason: str = ""
) -> BulkOutcome:
    """Apply ``action`` to each problem; one refusal does not stop the rest."""
    if action not in BULK_ACTIONS:
        raise BadInput(f"unknown action {action!r}; choose one of {', '.join(BULK_ACTIONS)}")
    if action == "ignore" and not reason.strip():
        raise BadInput("ignoring problems needs a reason")
    if len(problem_ids) > _BULK_LIMIT:
        raise BadInput(f"at most {_BULK_LIMIT} problems at once; narrow the filter")
    done: list[int] = []
    refused: list[tuple[int, str]] = []
    for problem_id in problem_ids:
        try:
            _one(services, problem_id, action, actor=actor, reason=reason)
        except (NotFound, Refused) as exc:
            refused.append((problem_id, str(exc)))
        else:
            done.append(problem_id)
    return BulkOutcome(tuple(done), tuple(refused))


def _one(services: Services, problem_id: int, action: str, *, actor: str, reason: str) -> None:
    if action == "retry":
        retry_problem(services, problem_id, actor=actor)
    elif action == "resolve":
        resolve_problem(services, problem_id, actor=actor, note=reason)
    else:
        ignore_problem(services, problem_id, actor=actor, reason=reason)
