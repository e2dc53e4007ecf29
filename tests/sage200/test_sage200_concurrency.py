"""The Sage 200 sandbox as the slow, limited ERP it plays, and the slot limit keeping under its limit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from harness_sage200 import sandbox_settings

from shopbridge.connectors.erp.limits import SlotLimitedTransport
from shopbridge.connectors.erp.sage200.client import Sage200Client
from shopbridge.engine.schema import erp_slots
from shopbridge.engine.slots import Slots
from shopbridge.engine.store import Store
from shopbridge.errors import Throttled
from shopbridge.sandbox.concurrency import ConcurrencyGate
from shopbridge.sandbox.sage200 import Sage200Sandbox


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for a state (not a time): fails only if it never comes within a generous bound."""
    done = threading.Event()
    for _ in range(2000):
        if condition():
            return
        done.wait(0.005)
    raise AssertionError(f"never saw {what}")


def in_parallel(count: int, call: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = call()
        except Exception as exc:  # kept and asserted by the caller
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- the gate on its own, on a hand-driven clock ------------------------------------------------------
class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_gate_integrates_requests_in_flight_over_time() -> None:
    ticks = Ticks()
    gate = ConcurrencyGate(2, clock=ticks)
    assert gate.enter() and gate.enter()
    ticks.now += 3  # two in flight for 3 s
    gate.leave()
    ticks.now += 2  # one in flight for 2 s
    gate.leave()
    ticks.now += 5  # idle for 5 s
    stats = gate.stats()
    assert (stats.busy_slot_seconds, stats.wall_seconds, stats.peak_in_flight) == (8.0, 10.0, 2)
    assert stats.occupancy == pytest.approx(8.0 / (2 * 10.0))


def test_the_gate_refuses_over_its_limit_and_counts_the_refusal() -> None:
    gate = ConcurrencyGate(1, clock=Ticks())
    assert gate.enter()
    assert not gate.enter()
    stats = gate.stats()
    assert (stats.in_flight, stats.admitted, stats.refused) == (1, 1, 1)


def test_an_unlimited_gate_admits_all_and_still_counts_the_peak() -> None:
    gate = ConcurrencyGate(0, clock=Ticks())
    assert all(gate.enter() for _ in range(50))
    stats = gate.stats()
    assert (stats.peak_in_flight, stats.refused, stats.occupancy) == (50, 0, None)


def test_a_reset_keeps_what_is_in_flight() -> None:
    ticks = Ticks()
    gate = ConcurrencyGate(3, clock=ticks)
    gate.enter()
    ticks.now += 1
    gate.reset()
    ticks.now += 1
    stats = gate.stats()
    assert (stats.in_flight, stats.peak_in_flight, stats.admitted, stats.busy_slot_seconds) == (1, 1, 0, 1.0)


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="0 \\(none\\) or more"):
        ConcurrencyGate(-1)


# --- the sandbox --------------------------------------------------------------------------------------
def test_the_sandbox_refuses_the_request_beyond_its_limit_and_counts_peak_and_busy_time(
    sandbox: Sage200Sandbox, http: httpx.Client
) -> None:
    latency = 0.5
    sandbox.set_latency(latency)
    sandbox.set_max_concurrency(2)
    sandbox.reset_concurrency()
    first = in_parallel_background(2, lambda: http.get("/sites").status_code)
    until(lambda: sandbox.concurrency().in_flight == 2, "two requests in flight")
    third = http.get("/sites")
    assert third.status_code == 429
    assert third.headers["Retry-After"] == "1"
    assert "at most 2 at once" in third.json()["message"]
    assert first() == [200, 200]
    stats = sandbox.concurrency()
    assert (stats.in_flight, stats.peak_in_flight, stats.admitted, stats.refused) == (0, 2, 2, 1)
    assert stats.busy_slot_seconds >= 2 * latency  # each admitted request slept at least the latency
    assert stats.occupancy is not None and stats.occupancy <= 1.0


def in_parallel_background(count: int, call: Callable[[], object]) -> Callable[[], list[object]]:
    """Start ``count`` calls at once in the background; the returned function joins and gives results."""
    results: list[list[object]] = []
    runner = threading.Thread(target=lambda: results.append(in_parallel(count, call)))
    runner.start()

    def join() -> list[object]:
        runner.join()
        return results[0]

    return join


def test_the_control_route_sets_the_limit_and_reports_the_counts(
    sandbox: Sage200Sandbox, http: httpx.Client
) -> None:
    assert http.post("/_sandbox/concurrency", json={"limit": 3, "reset": True}).json()["limit"] == 3
    assert http.get("/sites").status_code == 200
    counts = http.get("/_sandbox/concurrency").json()
    assert (counts["limit"], counts["admitted"], counts["refused"], counts["in_flight"]) == (3, 1, 0, 0)
    assert set(counts) >= {"peak_in_flight", "busy_slot_seconds", "wall_seconds", "occupancy"}
    assert http.post("/_sandbox/concurrency", json={"limit": -1}).status_code == 400


def test_the_sandbox_takes_its_latency_and_limit_at_construction() -> None:
    box = Sage200Sandbox(latency=0.15, max_concurrency=10)
    assert (box.faults.plan.latency_seconds, box.concurrency().limit) == (0.15, 10)


def test_the_adapters_client_reads_a_refusal_as_throttled(sandbox: Sage200Sandbox) -> None:
    sandbox.set_max_concurrency(1)
    sandbox.set_latency(0.5)
    client = Sage200Client(sandbox_settings(sandbox), sandbox.token)
    try:
        results = in_parallel(3, lambda: client.get_list("/sites"))
    finally:
        client.close()
    refused = [r for r in results if isinstance(r, Throttled)]
    assert refused and all(r.retry_after == 1 for r in refused)
    assert sandbox.concurrency().refused == len(refused)


# --- the slot limit against the sandbox ---------------------------------------------------------------
@pytest.fixture
def slots(tmp_path: Path) -> Iterator[Slots]:
    store = Store.connect(f"sqlite:///{tmp_path / 'slots.db'}", pool_size=20)
    erp_slots.create(store.engine)
    yield Slots(store, limit=10)
    store.close()


def test_forty_concurrent_requests_through_ten_slots_meet_no_refusal_from_a_sandbox_of_ten(
    sandbox: Sage200Sandbox, slots: Slots
) -> None:
    sandbox.set_latency(0.05)
    sandbox.set_max_concurrency(10)
    sandbox.reset_concurrency()
    transport = SlotLimitedTransport(httpx.HTTPTransport(), slots)
    client = Sage200Client(sandbox_settings(sandbox, timeout_seconds=30), sandbox.token, transport=transport)
    try:
        results = in_parallel(40, lambda: client.get_list("/sites"))
    finally:
        client.close()
    assert [r for r in results if isinstance(r, Exception)] == []
    stats = sandbox.concurrency()
    assert (stats.admitted, stats.refused) == (40, 0)
    assert 1 <= stats.peak_in_flight <= 10
    assert slots.in_use() == 0


def test_without_the_limit_the_same_burst_is_refused(sandbox: Sage200Sandbox) -> None:
    # The control for the test above: the burst does overrun a sandbox of ten on its own.
    sandbox.set_latency(0.3)
    sandbox.set_max_concurrency(10)
    sandbox.reset_concurrency()
    client = Sage200Client(sandbox_settings(sandbox, timeout_seconds=30), sandbox.token)
    try:
        in_parallel(40, lambda: client.get_list("/sites"))
    finally:
        client.close()
    assert sandbox.concurrency().refused > 0
