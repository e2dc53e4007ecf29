"""The job queue on SQLite and PostgreSQL: enqueue, dedup, claim order, per-entity order, leases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.store import Store

W = "worker-a"


def enqueue(store: Store, clock: FakeClock, kind: str = "k", **kwargs: object) -> int:
    with store.begin() as conn:
        return queue.enqueue(conn, kind, {"n": 1}, now=clock.now(), **kwargs)  # type: ignore[arg-type]


def claim(store: Store, clock: FakeClock, limit: int = 10, worker: str = W, lease: float = 30) -> list[Job]:
    with store.begin() as conn:
        return queue.claim(conn, worker=worker, limit=limit, lease_seconds=lease, now=clock.now())


def complete(store: Store, clock: FakeClock, batch: list[Job], worker: str = W) -> int:
    with store.begin() as conn:
        return queue.complete(conn, batch, worker=worker, now=clock.now())


def state_of(store: Store, job_id: int) -> Job:
    with store.begin() as conn:
        job = queue.get_job(conn, job_id)
    assert job is not None
    return job


def test_an_enqueued_job_is_claimed_with_its_payload_and_first_attempt(
    store: Store, fake_clock: FakeClock
) -> None:
    job_id = enqueue(store, fake_clock, shop="uk")
    [job] = claim(store, fake_clock)
    assert (job.id, job.payload, job.attempts, job.state, job.shop) == (
        job_id,
        {"n": 1},
        1,
        JobState.RUNNING,
        "uk",
    )
    assert job.lease_until == fake_clock.now() + timedelta(seconds=30)


def test_enqueue_rolls_back_with_the_callers_transaction(store: Store, fake_clock: FakeClock) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn:
        queue.enqueue(conn, "k", {}, now=fake_clock.now())
        raise RuntimeError("the caller's state change failed")
    assert claim(store, fake_clock) == []


def test_a_duplicate_dedup_key_returns_the_active_job(store: Store, fake_clock: FakeClock) -> None:
    first = enqueue(store, fake_clock, dedup_key="order:1")
    assert enqueue(store, fake_clock, dedup_key="order:1") == first
    claim(store, fake_clock)
    assert enqueue(store, fake_clock, dedup_key="order:1") == first  # running is still active


def test_a_finished_dedup_key_may_be_enqueued_again(store: Store, fake_clock: FakeClock) -> None:
    first = enqueue(store, fake_clock, dedup_key="order:1")
    complete(store, fake_clock, claim(store, fake_clock))
    assert enqueue(store, fake_clock, dedup_key="order:1") != first


def test_jobs_are_claimed_oldest_first_and_only_when_due(store: Store, fake_clock: FakeClock) -> None:
    later = enqueue(store, fake_clock, run_after=fake_clock.now() + timedelta(seconds=60))
    a, b = enqueue(store, fake_clock), enqueue(store, fake_clock)
    assert [j.id for j in claim(store, fake_clock)] == [a, b]
    fake_clock.advance(60)
    assert [j.id for j in claim(store, fake_clock)] == [later]


def test_claim_respects_the_batch_limit_and_kinds(store: Store, fake_clock: FakeClock) -> None:
    ids = [enqueue(store, fake_clock, kind="a") for _ in range(3)]
    other = enqueue(store, fake_clock, kind="b")
    with store.begin() as conn:
        batch = queue.claim(conn, worker=W, limit=2, lease_seconds=30, now=fake_clock.now(), kinds={"a"})
    assert [j.id for j in batch] == ids[:2]
    with store.begin() as conn:
        rest = queue.claim(conn, worker=W, limit=9, lease_seconds=30, now=fake_clock.now(), kinds={"b"})
    assert [j.id for j in rest] == [other]


def test_one_entity_runs_one_job_at_a_time_in_creation_order(store: Store, fake_clock: FakeClock) -> None:
    first = enqueue(store, fake_clock, entity_key="order:1")
    second = enqueue(store, fake_clock, entity_key="order:1")
    other = enqueue(store, fake_clock, entity_key="order:2")
    batch = claim(store, fake_clock)
    assert [j.id for j in batch] == [first, other]
    assert claim(store, fake_clock, worker="worker-b") == []
    complete(store, fake_clock, batch)
    assert [j.id for j in claim(store, fake_clock)] == [second]


def test_a_retrying_job_holds_later_jobs_of_its_entity(store: Store, fake_clock: FakeClock) -> None:
    first = enqueue(store, fake_clock, entity_key="order:1")
    enqueue(store, fake_clock, entity_key="order:1")
    [job] = claim(store, fake_clock)
    with store.begin() as conn:
        queue.retry(
            conn,
            job,
            worker=W,
            error="x",
            run_after=fake_clock.now() + timedelta(seconds=10),
            now=fake_clock.now(),
        )
    assert claim(store, fake_clock) == []
    fake_clock.advance(10)
    assert [j.id for j in claim(store, fake_clock)] == [first]


def test_a_dead_job_holds_later_jobs_of_its_entity_until_replayed(
    store: Store, fake_clock: FakeClock
) -> None:
    first = enqueue(store, fake_clock, entity_key="order:1")
    second = enqueue(store, fake_clock, entity_key="order:1")
    [job] = claim(store, fake_clock)
    with store.begin() as conn:
        queue.dead_letter(conn, job, worker=W, error="boom", now=fake_clock.now())
    assert claim(store, fake_clock) == []
    with store.begin() as conn:
        assert queue.replay(conn, first, actor="ops@example.com", now=fake_clock.now())
    replayed = claim(store, fake_clock)
    assert [(j.id, j.attempts) for j in replayed] == [(first, 1)]
    complete(store, fake_clock, replayed)
    assert [j.id for j in claim(store, fake_clock)] == [second]


def test_discarding_a_dead_job_releases_its_entity_and_is_audited(
    store: Store, fake_clock: FakeClock
) -> None:
    from shopbridge.engine.audit import list_audit

    enqueue(store, fake_clock, entity_key="order:1")
    second = enqueue(store, fake_clock, entity_key="order:1")
    [job] = claim(store, fake_clock)
    with store.begin() as conn:
        queue.dead_letter(conn, job, worker=W, error="boom", now=fake_clock.now())
        assert queue.discard(conn, job.id, actor="ops", reason="order cancelled", now=fake_clock.now())
        [entry] = list_audit(conn, entity_type="job", entity_id=str(job.id))
    assert (entry.action, entry.actor, entry.detail["reason"]) == ("job.discard", "ops", "order cancelled")
    assert [j.id for j in claim(store, fake_clock)] == [second]


def test_only_dead_jobs_can_be_replayed_or_discarded(store: Store, fake_clock: FakeClock) -> None:
    job_id = enqueue(store, fake_clock)
    with store.begin() as conn:
        assert not queue.replay(conn, job_id, actor="ops", now=fake_clock.now())
        assert not queue.discard(conn, job_id, actor="ops", reason="r", now=fake_clock.now())


def test_an_outcome_from_a_lost_lease_changes_nothing(store: Store, fake_clock: FakeClock) -> None:
    job_id = enqueue(store, fake_clock)
    stale = claim(store, fake_clock, lease=5)
    fake_clock.advance(6)
    with store.begin() as conn:
        assert queue.reclaim_expired(conn, now=fake_clock.now(), default_max_attempts=5) == 1
    fresh = claim(store, fake_clock, worker="worker-b")
    assert complete(store, fake_clock, stale) == 0
    assert state_of(store, job_id).state is JobState.RUNNING
    assert complete(store, fake_clock, fresh, worker="worker-b") == 1
    assert state_of(store, job_id).state is JobState.DONE


def test_an_expired_lease_with_attempts_left_goes_back_to_pending(
    store: Store, fake_clock: FakeClock
) -> None:
    job_id = enqueue(store, fake_clock)
    claim(store, fake_clock, lease=5)
    fake_clock.advance(4)
    with store.begin() as conn:
        assert queue.reclaim_expired(conn, now=fake_clock.now(), default_max_attempts=5) == 0
    fake_clock.advance(2)
    with store.begin() as conn:
        assert queue.reclaim_expired(conn, now=fake_clock.now(), default_max_attempts=5) == 1
    job = state_of(store, job_id)
    assert (job.state, job.attempts, job.locked_by) == (JobState.PENDING, 1, None)
    assert "lease expired" in job.last_error


def test_an_expired_lease_on_the_last_attempt_dead_letters_with_a_problem(
    store: Store, fake_clock: FakeClock
) -> None:
    from shopbridge.engine.problems import list_problems

    job_id = enqueue(store, fake_clock, max_attempts=1)
    claim(store, fake_clock, lease=5)
    fake_clock.advance(6)
    with store.begin() as conn:
        queue.reclaim_expired(conn, now=fake_clock.now(), default_max_attempts=5)
        [problem] = list_problems(conn)
    assert state_of(store, job_id).state is JobState.DEAD
    assert (problem.kind.value, problem.entity_type, problem.entity_id) == (
        "job_dead_lettered",
        "job",
        str(job_id),
    )


def test_the_heartbeat_extends_only_the_holders_leases(store: Store, fake_clock: FakeClock) -> None:
    job_id = enqueue(store, fake_clock)
    batch = claim(store, fake_clock, lease=5)
    until = fake_clock.now() + timedelta(seconds=100)
    with store.begin() as conn:
        assert queue.extend_leases(conn, batch, worker="someone-else", lease_until=until) == 0
        assert queue.extend_leases(conn, batch, worker=W, lease_until=until) == 1
    assert state_of(store, job_id).lease_until == until


def test_released_jobs_return_to_pending_without_using_an_attempt(
    store: Store, fake_clock: FakeClock
) -> None:
    job_id = enqueue(store, fake_clock)
    batch = claim(store, fake_clock)
    with store.begin() as conn:
        assert queue.release(conn, batch, worker=W, now=fake_clock.now()) == 1
    job = state_of(store, job_id)
    assert (job.state, job.attempts) == (JobState.PENDING, 0)


def test_retry_now_makes_a_waiting_job_due_and_is_audited(store: Store, fake_clock: FakeClock) -> None:
    from shopbridge.engine.audit import list_audit

    job_id = enqueue(store, fake_clock, run_after=fake_clock.now() + timedelta(hours=1))
    with store.begin() as conn:
        assert queue.retry_now(conn, job_id, actor="ops", now=fake_clock.now())
        assert [e.action for e in list_audit(conn)] == ["job.retry_now"]
    assert [j.id for j in claim(store, fake_clock)] == [job_id]


def test_stats_count_jobs_by_kind_and_state_with_the_oldest_age(store: Store, fake_clock: FakeClock) -> None:
    enqueue(store, fake_clock, kind="a")
    fake_clock.advance(10)
    enqueue(store, fake_clock, kind="a")
    enqueue(store, fake_clock, kind="b")
    claim(store, fake_clock, limit=1)
    fake_clock.advance(5)
    with store.begin() as conn:
        rows = queue.stats(conn, now=fake_clock.now())
    assert [(s.kind, s.state, s.count, s.oldest_age_seconds) for s in rows] == [
        ("a", "pending", 1, 5.0),
        ("a", "running", 1, 15.0),
        ("b", "pending", 1, 5.0),
    ]


def test_list_jobs_filters_by_state_and_kind_newest_first(store: Store, fake_clock: FakeClock) -> None:
    a1, a2 = enqueue(store, fake_clock, kind="a"), enqueue(store, fake_clock, kind="a")
    enqueue(store, fake_clock, kind="b")
    with store.begin() as conn:
        assert [j.id for j in queue.list_jobs(conn, kind="a")] == [a2, a1]
        assert [j.kind for j in queue.list_jobs(conn, state=JobState.PENDING, limit=1)] == ["b"]
        assert queue.get_job(conn, 999_999) is None


def test_the_idempotency_key_is_stable_across_retries_and_differs_between_jobs(
    store: Store, fake_clock: FakeClock
) -> None:
    enqueue(store, fake_clock, dedup_key="order:1")
    enqueue(store, fake_clock)
    first_claim = claim(store, fake_clock)
    with store.begin() as conn:
        again = [queue.get_job(conn, job.id) for job in first_claim]
    assert [j.idempotency_key for j in first_claim] == [j.idempotency_key for j in again if j is not None]
    assert len({j.idempotency_key for j in first_claim}) == 2


def test_each_run_of_a_schedule_has_its_own_run_key_and_keeps_it_across_retries(
    store: Store, fake_clock: FakeClock
) -> None:
    """A schedule enqueues every run under one dedup key: the runs share ``idempotency_key`` but a
    sweep's writes are new work each run, so they key on ``run_idempotency_key``."""
    enqueue(store, fake_clock, kind="sweep.s", dedup_key="sweep.s")
    (first,) = claim(store, fake_clock)
    with store.begin() as conn:
        retried = queue.get_job(conn, first.id)
    complete(store, fake_clock, [first])
    enqueue(store, fake_clock, kind="sweep.s", dedup_key="sweep.s")
    (second,) = claim(store, fake_clock)
    assert retried is not None and retried.run_idempotency_key == first.run_idempotency_key
    assert first.idempotency_key == second.idempotency_key
    assert first.run_idempotency_key != second.run_idempotency_key


def test_each_attempt_of_a_run_has_its_own_attempt_key(store: Store, fake_clock: FakeClock) -> None:
    enqueue(store, fake_clock, kind="sweep.s", dedup_key="sweep.s")
    (first,) = claim(store, fake_clock)
    retried = replace(first, attempts=first.attempts + 1)
    assert first.attempt_idempotency_key == replace(first).attempt_idempotency_key
    assert first.attempt_idempotency_key != retried.attempt_idempotency_key
    assert first.run_idempotency_key == retried.run_idempotency_key


def test_dedup_holds_once_the_database_prepares_the_statement(store: Store, fake_clock: FakeClock) -> None:
    # psycopg prepares a statement after five runs; the partial-index match must survive that.
    ids = [enqueue(store, fake_clock, dedup_key=f"order:{n % 3}") for n in range(12)]
    assert len(set(ids)) == 3
