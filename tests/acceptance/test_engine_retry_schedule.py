"""Acceptance: a job that always fails is retried on the documented schedule, dead-lettered with an
open problem, and runs again when replayed."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from shopbridge.config.model import EngineSettings, RetrySettings
from shopbridge.domain.problems import ProblemKind, ProblemStatus
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.problems import list_problems
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext, Registry, Worker

RETRY = RetrySettings(base_seconds=5, factor=2, cap_seconds=60, jitter=0.2, max_attempts=5)

# delay = min(cap, base * factor**(attempt-1)) * (1 + uniform(-0.2, 0.2)), with random.Random(1234):
# attempt, raw delay, jitter drawn, expected delay in seconds.
SCHEDULE = [
    (1, 5, 0.186581, 5.932907),
    (2, 10, -0.023707, 9.762930),
    (3, 20, -0.197003, 16.059932),
    (4, 40, 0.164390, 46.575615),
]


class AlwaysFails:
    """Fails until told to succeed; counts its runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.succeed = False

    def __call__(self, job: Job, ctx: HandlerContext) -> None:
        self.runs += 1
        if not self.succeed:
            raise ConnectionError("ERP refused the connection")


def test_a_failing_job_backs_off_on_schedule_then_dead_letters_and_replays(
    store: Store, fake_clock: FakeClock
) -> None:
    handler = AlwaysFails()
    registry = Registry()
    registry.register("erp.create_order", handler)
    settings = EngineSettings(retry=RETRY, lease_seconds=60, heartbeat_seconds=20)
    worker = Worker(store, registry, clock=fake_clock, settings=settings, uniform=random.Random(1234).uniform)
    with store.begin() as conn:
        job_id = queue.enqueue(
            conn, "erp.create_order", {"order": 1}, entity_key="order:1", now=fake_clock.now()
        )

    for attempt, _raw, _jitter, expected in SCHEDULE:
        failed_at = fake_clock.now()
        assert worker.run_once() == 1
        job = _job(store, job_id)
        assert (job.state, job.attempts) == (JobState.PENDING, attempt)
        assert job.run_after is not None
        assert (job.run_after - failed_at).total_seconds() == pytest.approx(expected, abs=1e-5)
        fake_clock.advance((job.run_after - failed_at).total_seconds() - 0.001)
        assert worker.run_once() == 0, "ran before its backoff was over"
        fake_clock.advance(0.001)

    assert worker.run_once() == 1
    dead = _job(store, job_id)
    assert (dead.state, dead.attempts, handler.runs) == (JobState.DEAD, 5, 5)
    with store.begin() as conn:
        [problem] = list_problems(conn)
    assert (problem.kind, problem.status, problem.entity_id) == (
        ProblemKind.JOB_DEAD_LETTERED,
        ProblemStatus.OPEN,
        str(job_id),
    )
    assert "5 attempt(s)" in problem.tried and "ERP refused the connection" in problem.tried

    fake_clock.advance(timedelta(days=1).total_seconds())
    assert worker.run_once() == 0, "a dead job must not run again by itself"
    handler.succeed = True
    with store.begin() as conn:
        assert queue.replay(conn, job_id, actor="ops@example.com", now=fake_clock.now())
    assert worker.run_once() == 1
    assert (_job(store, job_id).state, handler.runs) == (JobState.DONE, 6)


def _job(store: Store, job_id: int) -> Job:
    with store.begin() as conn:
        job = queue.get_job(conn, job_id)
    assert job is not None
    return job
