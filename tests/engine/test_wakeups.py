"""Idle workers of a process are woken by the commits of that process that add work, and only those."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from shopbridge.engine import queue
from shopbridge.engine.batch import NewJob, enqueue_jobs
from shopbridge.engine.store import Store
from shopbridge.engine.wakeups import Wakeups


def test_a_committed_enqueue_leaves_one_wake_up_per_job(store: Store) -> None:
    with store.begin() as conn:
        queue.enqueue(conn, "t.a", {})
        queue.enqueue(conn, "t.b", {})
    assert [store.wakeups.wait(0) for _ in range(3)] == [True, True, False]


def test_a_rolled_back_enqueue_wakes_nobody(store: Store) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn:
        queue.enqueue(conn, "t.a", {})
        raise RuntimeError("rolled back")
    with store.begin():
        pass  # a later transaction of the thread does not inherit the note
    assert store.wakeups.wait(0) is False


def test_an_enqueue_whose_key_an_active_job_holds_wakes_nobody(store: Store) -> None:
    with store.begin() as conn:
        queue.enqueue(conn, "t.a", {}, dedup_key="k")
    assert store.wakeups.wait(0) is True
    with store.begin() as conn:
        queue.enqueue(conn, "t.a", {}, dedup_key="k")
    assert store.wakeups.wait(0) is False


def test_a_waiting_worker_is_woken_by_the_commit_not_by_its_timeout(store: Store) -> None:
    woken: list[bool] = []
    waiting = threading.Thread(target=lambda: woken.append(store.wakeups.wait(3600)))
    waiting.start()
    with store.begin() as conn:
        queue.enqueue(conn, "t.a", {})
    waiting.join(timeout=60)
    assert woken == [True]


def test_wake_all_releases_every_waiter_without_a_token() -> None:
    wakeups = Wakeups()
    results: list[bool] = []
    waiters = [threading.Thread(target=lambda: results.append(wakeups.wait(3600))) for _ in range(3)]
    for waiter in waiters:
        waiter.start()
    while len(results) < 3:
        wakeups.wake_all()
        threading.Event().wait(0.01)
    for waiter in waiters:
        waiter.join(timeout=60)
    assert results == [False, False, False]


def test_a_batch_of_jobs_wakes_one_worker_per_job_inserted(store: Store) -> None:
    jobs = [NewJob(kind="t.a", payload={}, dedup_key=key) for key in ("k1", "k2", "k1")]
    with store.begin() as conn:
        enqueue_jobs(conn, jobs, now=datetime.now(UTC))
    assert [store.wakeups.wait(0) for _ in range(3)] == [True, True, False]
    with store.begin() as conn:
        enqueue_jobs(conn, jobs[:1], now=datetime.now(UTC))  # k1 is pending already
    assert store.wakeups.wait(0) is False
