"""Workers: outcome mapping, dead letters with problems, heartbeats, graceful stop."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from shopbridge.config.model import EngineSettings, RetrySettings
from shopbridge.domain.problems import ProblemKind, ProblemStatus, Team
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.problems import list_problems
from shopbridge.engine.store import Store
from shopbridge.engine.worker import HandlerContext, Registry, Worker
from shopbridge.errors import BadInput, NeedsPerson, RetryLater

SETTINGS = EngineSettings(
    lease_seconds=30,
    heartbeat_seconds=10,
    poll_seconds=0.01,
    batch_size=10,
    retry=RetrySettings(base_seconds=5, factor=2, cap_seconds=60, jitter=0.2, max_attempts=3),
)


def no_jitter(low: float, high: float) -> float:
    return 0.0


def make_worker(store: Store, clock: FakeClock, handler: object, kind: str = "k") -> Worker:
    registry = Registry()
    registry.register(kind, handler)  # type: ignore[arg-type]
    return Worker(store, registry, clock=clock, settings=SETTINGS, name="w1", uniform=no_jitter)


def add(store: Store, clock: FakeClock, kind: str = "k", **kwargs: object) -> int:
    with store.begin() as conn:
        return queue.enqueue(conn, kind, {}, now=clock.now(), **kwargs)  # type: ignore[arg-type]


def job(store: Store, job_id: int) -> Job:
    with store.begin() as conn:
        found = queue.get_job(conn, job_id)
    assert found is not None
    return found


def ok(job: Job, ctx: HandlerContext) -> None:
    pass


def test_a_handler_that_returns_completes_its_job(store: Store, fake_clock: FakeClock) -> None:
    job_id = add(store, fake_clock)
    assert make_worker(store, fake_clock, ok).run_once() == 1
    assert job(store, job_id).state is JobState.DONE


def test_the_handler_gets_the_store_clock_and_services(store: Store, fake_clock: FakeClock) -> None:
    seen: list[HandlerContext] = []
    registry = Registry()
    registry.register("k", lambda job, ctx: seen.append(ctx))
    add(store, fake_clock)
    Worker(store, registry, clock=fake_clock, services={"erp": 1}, settings=SETTINGS).run_once()
    assert (seen[0].store, seen[0].clock, seen[0].services) == (store, fake_clock, {"erp": 1})


def test_retry_later_waits_at_least_retry_after(store: Store, fake_clock: FakeClock) -> None:
    def throttled(job: Job, ctx: HandlerContext) -> None:
        raise RetryLater("bucket empty", retry_after=42)

    job_id = add(store, fake_clock)
    make_worker(store, fake_clock, throttled).run_once()
    after = job(store, job_id)
    assert (after.state, after.run_after, after.last_error) == (
        JobState.PENDING,
        fake_clock.now() + timedelta(seconds=42),
        "RetryLater: bucket empty",
    )


def test_an_unexpected_exception_is_retried_with_backoff(store: Store, fake_clock: FakeClock) -> None:
    def crash(job: Job, ctx: HandlerContext) -> None:
        raise KeyError("sku")

    job_id = add(store, fake_clock)
    make_worker(store, fake_clock, crash).run_once()
    assert job(store, job_id).run_after == fake_clock.now() + timedelta(seconds=5)


def test_needs_person_dead_letters_at_once_with_its_own_problem(store: Store, fake_clock: FakeClock) -> None:
    def unknown_sku(job: Job, ctx: HandlerContext) -> None:
        raise NeedsPerson(
            "SKU X is not in the ERP",
            kind=ProblemKind.UNKNOWN_SKU,
            details={"entity_type": "order", "entity_id": "1001", "sku": "X"},
        )

    job_id = add(store, fake_clock, shop="uk")
    make_worker(store, fake_clock, unknown_sku).run_once()
    with store.begin() as conn:
        [problem] = list_problems(conn)
    assert job(store, job_id).state is JobState.DEAD
    assert (problem.kind, problem.team, problem.entity_type, problem.entity_id, problem.shop) == (
        ProblemKind.UNKNOWN_SKU,
        Team.MERCHANDISING,
        "order",
        "1001",
        "uk",
    )
    assert problem.details["job_id"] == job_id


def test_bad_input_dead_letters_at_once(store: Store, fake_clock: FakeClock) -> None:
    def malformed(job: Job, ctx: HandlerContext) -> None:
        raise BadInput("payload has no id")

    job_id = add(store, fake_clock)
    make_worker(store, fake_clock, malformed).run_once()
    with store.begin() as conn:
        [problem] = list_problems(conn)
    assert (job(store, job_id).state, job(store, job_id).attempts) == (JobState.DEAD, 1)
    assert (problem.kind, problem.entity_id) == (ProblemKind.JOB_DEAD_LETTERED, str(job_id))


def test_a_worker_claims_only_kinds_it_has_handlers_for(store: Store, fake_clock: FakeClock) -> None:
    other = add(store, fake_clock, kind="someone.else")
    assert make_worker(store, fake_clock, ok).run_once() == 0
    assert job(store, other).state is JobState.PENDING


def test_registering_a_kind_twice_is_refused() -> None:
    registry = Registry()
    registry.register("k", ok)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("k", ok)
    assert registry.kinds() == {"k"}


def test_the_heartbeat_keeps_a_long_job_leased(store: Store, fake_clock: FakeClock) -> None:
    beats = threading.Event()
    leases: list[object] = []

    def slow(job: Job, ctx: HandlerContext) -> None:
        fake_clock.advance(25)  # most of the 30 s lease is gone ...
        assert beats.wait(5), "no heartbeat within 5 s"  # ... until the heartbeat renews it
        leases.append(_lease(store, job.id))

    settings = SETTINGS.model_copy(update={"heartbeat_seconds": 0.05})
    registry = Registry()
    registry.register("k", slow)
    worker = Worker(store, registry, clock=fake_clock, settings=settings)
    original = worker.extend_leases

    def extend_and_signal(batch: list[Job]) -> int:
        extended = original(batch)
        beats.set()
        return extended

    worker.extend_leases = extend_and_signal  # type: ignore[method-assign]
    job_id = add(store, fake_clock)
    worker.run_once()
    assert leases[0] is not None and leases[0] >= fake_clock.now() + timedelta(seconds=30)  # type: ignore[operator]
    assert job(store, job_id).state is JobState.DONE


def _lease(store: Store, job_id: int) -> object:
    return job(store, job_id).lease_until


def test_a_stopping_worker_gives_back_jobs_it_has_not_started(store: Store, fake_clock: FakeClock) -> None:
    stop = threading.Event()

    def stop_after_first(job: Job, ctx: HandlerContext) -> None:
        stop.set()

    first, second = add(store, fake_clock), add(store, fake_clock)
    assert make_worker(store, fake_clock, stop_after_first).run_once(stop=stop) == 1
    assert job(store, first).state is JobState.DONE
    assert (job(store, second).state, job(store, second).attempts) == (JobState.PENDING, 0)


def test_run_forever_returns_after_the_idle_timeout(store: Store, fake_clock: FakeClock) -> None:
    job_id = add(store, fake_clock)
    make_worker(store, fake_clock, ok).run_forever(threading.Event(), idle_timeout=0.05)
    assert job(store, job_id).state is JobState.DONE


def test_run_forever_stops_when_told(store: Store, fake_clock: FakeClock) -> None:
    stop = threading.Event()
    stop.set()
    job_id = add(store, fake_clock)
    make_worker(store, fake_clock, ok).run_forever(stop)
    assert job(store, job_id).state is JobState.PENDING


def test_replay_resolves_the_dead_letter_problem(store: Store, fake_clock: FakeClock) -> None:
    def malformed(job: Job, ctx: HandlerContext) -> None:
        raise BadInput("no")

    job_id = add(store, fake_clock)
    make_worker(store, fake_clock, malformed).run_once()
    with store.begin() as conn:
        queue.replay(conn, job_id, actor="ops", now=fake_clock.now())
        problems = list_problems(conn, status=None)
    assert [(p.status, p.note) for p in problems] == [(ProblemStatus.RESOLVED, "replayed by ops")]
