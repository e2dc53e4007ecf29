"""Concurrency slots over the store: never more than N holders, across threads and processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pgcluster import PgCluster, postgres_available
from shopbridge.engine.clock import FakeClock, SystemClock
from shopbridge.engine.schema import erp_slots
from shopbridge.engine.slots import HANDOFFS_PER_LEASE, Lease, Slots
from shopbridge.engine.store import Store
from shopbridge.errors import RetryLater


@pytest.fixture(scope="module")
def empty_pg() -> Iterator[Callable[[], str]]:
    """URLs of empty databases on a cluster of this module's own.

    Not the session's cluster: its template is migrated to head, and these tests should not depend
    on every other migration being sound at the moment they run.
    """
    if os.environ.get("SHOPBRIDGE_SKIP_POSTGRES") == "1":
        pytest.skip("SHOPBRIDGE_SKIP_POSTGRES=1")
    if not postgres_available():
        pytest.fail("PostgreSQL binaries not found; install PostgreSQL 15 or set SHOPBRIDGE_SKIP_POSTGRES=1")
    cluster = PgCluster().start()
    try:
        yield lambda: cluster.url(cluster.create_database())
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty database with only the slots table: these tests need nothing else of the schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'slots.db'}"
    else:
        url = request.getfixturevalue("empty_pg")()
    store = Store.connect(url, pool_size=12)
    erp_slots.create(store.engine)
    yield store
    store.close()


class Witness:
    """Counts holders inside their slot with its own lock: the truth the slots are checked against."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.total = 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def test_many_threads_never_hold_more_than_the_limit(store: Store) -> None:
    slots = Slots(store, limit=3, base_delay=0.001, max_delay=0.01)
    witness = Witness()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(8):
                with slots.hold():
                    witness.enter()
                    threading.Event().wait(0.002)
                    witness.leave()
        except BaseException as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert witness.total == 12 * 8
    assert 1 <= witness.peak <= 3
    assert slots.in_use() == 0


def test_a_full_pool_refuses_a_try_and_frees_on_release(store: Store) -> None:
    slots = Slots(store, limit=2)
    first, second = slots.try_acquire(), slots.try_acquire()
    assert first is not None and second is not None
    assert {first.slot, second.slot} == {0, 1}
    assert slots.try_acquire() is None
    assert slots.in_use() == 2
    assert slots.release(first) is True
    third = slots.try_acquire()
    assert third is not None and third.slot == first.slot


def test_a_crashed_holders_slot_comes_back_after_its_lease(store: Store, fake_clock: FakeClock) -> None:
    slots = Slots(store, limit=1, lease_seconds=30, wait_seconds=0, clock=fake_clock)
    crashed = slots.acquire()  # never released: its holder "died"
    assert slots.try_acquire() is None
    fake_clock.advance(29)
    assert slots.try_acquire() is None
    fake_clock.advance(2)
    taken = slots.try_acquire()
    assert taken is not None and taken.slot == crashed.slot


def test_a_late_release_does_not_free_the_slot_someone_else_now_holds(
    store: Store, fake_clock: FakeClock
) -> None:
    slots = Slots(store, limit=1, lease_seconds=10, clock=fake_clock)
    late = slots.acquire()
    fake_clock.advance(11)
    current = slots.acquire()
    assert slots.release(late) is False
    assert slots.try_acquire() is None
    assert slots.release(current) is True


def test_waiting_past_wait_seconds_asks_to_retry_later(store: Store) -> None:
    slots = Slots(store, limit=1, wait_seconds=0.05, base_delay=0.01, max_delay=0.02)
    with slots.hold(), pytest.raises(RetryLater, match="all 1 erp slots stayed busy"):
        slots.acquire()


def test_the_slot_is_released_when_the_block_raises(store: Store) -> None:
    slots = Slots(store, limit=1)
    with pytest.raises(ZeroDivisionError), slots.hold():
        _ = 1 / 0
    assert slots.in_use() == 0


def test_a_waiter_gets_the_slot_a_thread_of_its_process_releases(store: Store) -> None:
    # max_delay of an hour: the waiter can only get through by being woken by the release.
    slots = Slots(store, limit=1, base_delay=3600, max_delay=3600, wait_seconds=3600)
    held = slots.acquire()
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire().slot))
    waiter.start()
    threading.Event().wait(0.05)
    slots.release(held)
    waiter.join(timeout=60)
    assert got == [held.slot]


def test_pools_and_a_smaller_limit_are_kept_apart(store: Store) -> None:
    erp = Slots(store, limit=1, pool="erp")
    other = Slots(store, limit=1, pool="other")
    assert erp.try_acquire() is not None
    assert other.try_acquire() is not None
    bigger = Slots(store, limit=3, pool="erp")
    assert bigger.try_acquire() is not None
    assert Slots(store, limit=1, pool="erp").try_acquire() is None


def test_a_pool_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        Slots(Store.connect("sqlite://"), limit=0)


# --- several processes on PostgreSQL --------------------------------------------------------------
_CHILD = """
import sys, threading, time
from shopbridge.engine.slots import Lease, Slots
from shopbridge.engine.store import Store

url, limit, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = Store.connect(url, pool_size=threads)
slots = Slots(store, limit=limit, base_delay=0.001, max_delay=0.01)
lines = []

def work():
    for _ in range(rounds):
        with slots.hold():
            start = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on this host
            time.sleep(0.003)
            lines.append(f"{start!r} {time.monotonic()!r}")

workers = [threading.Thread(target=work) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print("\\n".join(lines))
"""


def _peak_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    now = peak = 0
    for _, step in events:  # at equal times the -1 sorts first: touching intervals do not overlap
        now += step
        peak = max(peak, now)
    return peak


@pytest.mark.postgres
@pytest.mark.slow
def test_several_processes_on_postgresql_never_hold_more_than_the_limit(empty_pg: Callable[[], str]) -> None:
    url = empty_pg()
    _create_slots_table(url)
    limit, processes, threads, rounds = 4, 4, 4, 10
    src = str(Path(__file__).resolve().parents[2] / "src")
    command = [sys.executable, "-c", _CHILD, url, str(limit), str(threads), str(rounds)]
    children = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(src))
        for _ in range(processes)
    ]
    intervals: list[tuple[float, float]] = []
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err.decode()[-3000:]
        pairs = [line.split() for line in out.decode().splitlines() if line.strip()]
        intervals += [(float(a), float(b)) for a, b in pairs]
    assert len(intervals) == processes * threads * rounds
    assert 1 <= _peak_overlap(intervals) <= limit


@pytest.mark.postgres
@pytest.mark.slow
def test_a_killed_processs_slot_comes_back_after_its_lease(empty_pg: Callable[[], str]) -> None:
    url = empty_pg()
    _create_slots_table(url)
    die = (
        "import os, sys\n"
        "from shopbridge.engine.slots import Slots\n"
        "from shopbridge.engine.store import Store\n"
        "Slots(Store.connect(sys.argv[1]), limit=1, lease_seconds=60).acquire()\n"
        "os._exit(9)\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run([sys.executable, "-c", die, url], env=_env(src), capture_output=True, check=False)
    assert done.returncode == 9, done.stderr.decode()[-3000:]
    store = Store.connect(url)
    try:
        assert Slots(store, limit=1).try_acquire() is None
        later = FakeClock(SystemClock().now() + timedelta(seconds=61))
        assert Slots(store, limit=1, clock=later).try_acquire() is not None
    finally:
        store.close()


def _create_slots_table(url: str) -> None:
    store = Store.connect(url)
    erp_slots.create(store.engine)
    store.close()


def _env(src: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


class CountedSlots(Slots):
    """Slots that count their looks in the store (each one a write transaction)."""

    looks = 0

    def try_acquire(self) -> Lease | None:
        self.looks += 1
        return super().try_acquire()


def test_while_its_process_holds_every_slot_a_waiter_does_not_look_in_the_store(store: Store) -> None:
    # Backing off from 1 ms to 2 ms, a waiter that looked would look a hundred times in 0.2 s.
    slots = CountedSlots(store, limit=2, base_delay=0.001, max_delay=0.002, wait_seconds=3600)
    held = [slots.acquire(), slots.acquire()]
    slots.looks = 0
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire().slot))
    waiter.start()
    threading.Event().wait(0.2)
    slots.release(held[0])
    waiter.join(timeout=60)
    assert got == [held[0].slot]
    assert slots.looks <= 3  # the one after the release (plus one a second while still full, if slow)


def _wait_in_thread(slots: Slots) -> tuple[threading.Thread, list[Lease]]:
    got: list[Lease] = []
    waiter = threading.Thread(target=lambda: got.append(slots.acquire()))
    waiter.start()
    threading.Event().wait(0.05)
    return waiter, got


def test_a_slot_released_while_a_thread_here_waits_is_handed_over_without_the_store(store: Store) -> None:
    slots = CountedSlots(store, limit=1, base_delay=3600, max_delay=3600, wait_seconds=3600)
    held = slots.acquire()
    waiter, got = _wait_in_thread(slots)
    slots.looks = 0
    assert slots.release(held) is True
    waiter.join(timeout=60)
    [handed] = got
    assert (handed.slot, handed.holder, handed.handoffs) == (held.slot, held.holder, 1)
    assert slots.looks == 0, "the waiter took the slot without asking the store"
    assert slots.in_use() == 1, "the slot's row stays held, now by the waiter"
    assert slots.release(handed) is True  # nobody waits: back to the store
    assert slots.in_use() == 0


def test_after_its_hand_overs_a_slot_goes_back_through_the_store(store: Store) -> None:
    slots = CountedSlots(store, limit=1, base_delay=0.001, max_delay=0.002, wait_seconds=3600)
    held = replace(slots.acquire(), handoffs=HANDOFFS_PER_LEASE)
    waiter, got = _wait_in_thread(slots)
    slots.looks = 0
    assert slots.release(held) is True
    waiter.join(timeout=60)
    [taken] = got
    assert taken.slot == held.slot and taken.handoffs == 0 and taken.holder != held.holder
    assert slots.looks >= 1, "taken from the store, where other processes' waiters have their turn"


def test_a_slot_handed_to_a_waiter_that_gave_up_goes_back_to_the_store(store: Store) -> None:
    slots = Slots(store, limit=1)
    held = slots.acquire()
    with slots._freed:  # a waiter about to give up (its wait_seconds ran out)
        slots._waiting += 1
    assert slots.release(held) is True
    assert slots.in_use() == 1
    slots._stop_waiting()  # it gives up: nobody is left to take the slot
    assert slots.in_use() == 0
    assert slots.try_acquire() is not None
