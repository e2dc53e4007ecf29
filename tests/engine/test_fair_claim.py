"""Fair claiming across stores on SQLite and PostgreSQL: one store's backlog does not starve another's,
and every job is still claimed once, in order per entity."""

from __future__ import annotations

import threading

from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.fair_claim import interleave
from shopbridge.engine.job import Job
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Registry, Worker

SHOPS = ("a", "b")


def enqueue(store: Store, clock: FakeClock, shop: str, count: int = 1, **kwargs: object) -> list[int]:
    with store.begin() as conn:
        return [
            queue.enqueue(conn, "k", {"n": n}, shop=shop, now=clock.now(), **kwargs)  # type: ignore[arg-type]
            for n in range(count)
        ]


def claim(
    store: Store, clock: FakeClock, limit: int, shops: tuple[str, ...] = SHOPS, worker: str = "w"
) -> list[Job]:
    with store.begin() as conn:
        return queue.claim(conn, worker=worker, limit=limit, lease_seconds=30, now=clock.now(), shops=shops)


def complete(store: Store, clock: FakeClock, batch: list[Job], worker: str = "w") -> None:
    with store.begin() as conn:
        queue.complete(conn, batch, worker=worker, now=clock.now())


def test_interleave_takes_the_first_of_each_queue_then_the_second() -> None:
    assert interleave([[1, 2, 3, 4], [10], [], [20, 21]]) == [1, 10, 20, 2, 21, 3, 4]


def test_a_quiet_stores_job_is_claimed_beside_a_busy_stores_backlog(
    store: Store, fake_clock: FakeClock
) -> None:
    backlog = enqueue(store, fake_clock, "a", 20)
    quiet = enqueue(store, fake_clock, "b", 2)
    (sweep,) = enqueue(store, fake_clock, "")  # a job of no store (a global sweep) gets its turn too
    claimed = [job.id for job in claim(store, fake_clock, limit=4)]
    assert claimed == sorted([backlog[0], quiet[0], sweep, backlog[1]])


def test_one_store_alone_gets_every_slot_of_the_batch(store: Store, fake_clock: FakeClock) -> None:
    backlog = enqueue(store, fake_clock, "a", 10)
    assert [job.id for job in claim(store, fake_clock, limit=4)] == backlog[:4]


def test_without_several_shops_the_claim_is_oldest_first(store: Store, fake_clock: FakeClock) -> None:
    backlog = enqueue(store, fake_clock, "a", 10)
    enqueue(store, fake_clock, "b", 2)
    assert [job.id for job in claim(store, fake_clock, limit=4, shops=("a",))] == backlog[:4]


def test_the_quiet_store_drains_long_before_the_busy_stores_backlog(
    store: Store, fake_clock: FakeClock
) -> None:
    backlog = enqueue(store, fake_clock, "a", 40)
    quiet = enqueue(store, fake_clock, "b", 5)
    order: list[int] = []
    while batch := claim(store, fake_clock, limit=2):
        order += [job.id for job in batch]
        complete(store, fake_clock, batch)
    assert sorted(order) == sorted(backlog + quiet)  # everything ran, once
    # Store b's last job ran among the first dozen claims, with most of store a's backlog still queued.
    assert order.index(quiet[-1]) < 12
    assert sum(1 for job_id in order[: order.index(quiet[-1])] if job_id in backlog) <= 5


def test_a_stores_jobs_of_one_entity_still_run_one_at_a_time(store: Store, fake_clock: FakeClock) -> None:
    first, second = enqueue(store, fake_clock, "b", 2, entity_key="order:1")
    enqueue(store, fake_clock, "a", 3)
    claimed = claim(store, fake_clock, limit=10)
    assert first in [job.id for job in claimed] and second not in [job.id for job in claimed]
    complete(store, fake_clock, claimed)
    assert [job.id for job in claim(store, fake_clock, limit=10)] == [second]


def test_concurrent_fair_claims_take_every_job_exactly_once(store: Store, fake_clock: FakeClock) -> None:
    jobs = (
        enqueue(store, fake_clock, "a", 60)
        + enqueue(store, fake_clock, "b", 30)
        + enqueue(store, fake_clock, "", 6)
    )
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        while batch := claim(store, fake_clock, limit=3, worker=name):
            with lock:
                taken.extend(job.id for job in batch)
            complete(store, fake_clock, batch, worker=name)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(jobs)  # none twice, none left


def test_a_worker_claims_fairly_across_its_registrys_shops(store: Store, fake_clock: FakeClock) -> None:
    backlog = enqueue(store, fake_clock, "a", 10)
    quiet = enqueue(store, fake_clock, "b", 1)
    registry = Registry()
    registry.register("k", lambda job, ctx: None)
    registry.shops = SHOPS
    worker = Worker(store, registry, clock=fake_clock, name="w")
    assert [job.id for job in worker.claim()] == sorted([backlog[0], quiet[0], backlog[1], backlog[2]])
