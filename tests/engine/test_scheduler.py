"""The scheduler: sweeps fire on their interval, once, even with several schedulers."""

from __future__ import annotations

import threading

import pytest

from shopbridge.config.model import ScheduleSettings
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.scheduler import Schedule, Scheduler, schedules_from_settings, sweep_kind
from shopbridge.engine.store import Store

PLAN = [Schedule("erp_stock", 120), Schedule("order_sweep", 300)]


def sweep_jobs(store: Store) -> list[str]:
    with store.begin() as conn:
        return sorted(j.kind for j in queue.list_jobs(conn, limit=1000))


def test_a_new_schedule_fires_at_once_then_after_its_interval(store: Store, fake_clock: FakeClock) -> None:
    scheduler = Scheduler(store, PLAN, clock=fake_clock)
    scheduler.sync()
    assert scheduler.tick() == ["erp_stock", "order_sweep"]
    assert scheduler.tick() == []
    fake_clock.advance(120)
    assert scheduler.tick() == ["erp_stock"]


def test_a_fired_schedule_enqueues_a_sweep_job(store: Store, fake_clock: FakeClock) -> None:
    scheduler = Scheduler(store, PLAN[:1], clock=fake_clock)
    scheduler.sync()
    scheduler.tick()
    assert sweep_jobs(store) == ["sweep.erp_stock"]


def test_a_sweep_still_pending_is_not_enqueued_twice(store: Store, fake_clock: FakeClock) -> None:
    scheduler = Scheduler(store, PLAN[:1], clock=fake_clock)
    scheduler.sync()
    scheduler.tick()
    fake_clock.advance(120)
    assert scheduler.tick() == ["erp_stock"]
    assert sweep_jobs(store) == ["sweep.erp_stock"]


def test_two_schedulers_fire_a_due_schedule_once(store: Store, fake_clock: FakeClock) -> None:
    schedulers = [Scheduler(store, PLAN, clock=fake_clock) for _ in range(4)]
    schedulers[0].sync()
    fired: list[list[str]] = []
    start = threading.Barrier(len(schedulers))

    def run(scheduler: Scheduler) -> None:
        start.wait()
        fired.append(scheduler.tick())

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(name for names in fired for name in names) == ["erp_stock", "order_sweep"]
    assert sweep_jobs(store) == ["sweep.erp_stock", "sweep.order_sweep"]


def test_sync_applies_a_changed_interval(store: Store, fake_clock: FakeClock) -> None:
    Scheduler(store, [Schedule("erp_stock", 120)], clock=fake_clock).sync()
    faster = Scheduler(store, [Schedule("erp_stock", 10)], clock=fake_clock)
    faster.sync()
    faster.tick()
    fake_clock.advance(10)
    assert faster.tick() == ["erp_stock"]


def test_settings_give_one_schedule_per_enabled_sweep() -> None:
    plan = schedules_from_settings(ScheduleSettings(order_sweep=60, erp_items=0))
    assert [(s.name, s.interval_seconds) for s in plan] == [
        ("alerts", 60),
        ("catalogue", 600),
        ("erp_dispatches", 300),
        ("erp_stock", 120),
        ("erp_stock_peak", 30),  # runs the stock sweep only while peak mode is on
        ("order_sweep", 60),
        ("payouts", 3600),
        ("price_lists", 3600),
        ("reconcile", 86400),
        ("refunds", 300),
        ("stock_audit", 86400),
    ]


def test_a_schedule_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        Schedule("x", 0)


def test_sweep_jobs_are_named_after_their_schedule() -> None:
    assert sweep_kind("erp_stock") == "sweep.erp_stock"


def shop_jobs(store: Store) -> list[tuple[str, str, str | None]]:
    with store.begin() as conn:
        return sorted((j.kind, j.shop, j.dedup_key) for j in queue.list_jobs(conn, limit=1000))


def test_a_schedule_with_shops_fires_one_job_per_shop(store: Store, fake_clock: FakeClock) -> None:
    scheduler = Scheduler(store, [Schedule("payouts", 60, shops=("eu", "uk"))], clock=fake_clock)
    scheduler.sync()
    assert scheduler.tick() == ["payouts"]
    assert shop_jobs(store) == [
        ("sweep.payouts", "eu", "sweep.payouts:eu"),
        ("sweep.payouts", "uk", "sweep.payouts:uk"),
    ]


def test_one_shops_pending_sweep_does_not_hold_back_the_others(store: Store, fake_clock: FakeClock) -> None:
    scheduler = Scheduler(store, [Schedule("payouts", 60, shops=("eu", "uk"))], clock=fake_clock)
    scheduler.sync()
    scheduler.tick()
    with store.begin() as conn:
        (eu,) = [j for j in queue.list_jobs(conn, limit=10) if j.shop == "eu"]
        batch = queue.claim(conn, worker="w", limit=10, lease_seconds=30, now=fake_clock.now())
        queue.complete(conn, [j for j in batch if j.id == eu.id], worker="w", now=fake_clock.now())
    fake_clock.advance(60)
    assert scheduler.tick() == ["payouts"]  # uk's sweep still runs: only eu's is added again
    assert [shop for kind, shop, _ in shop_jobs(store)] == ["eu", "eu", "uk"]


def test_with_one_shop_the_sweep_carries_it_under_the_schedules_own_key(
    store: Store, fake_clock: FakeClock
) -> None:
    # The key a sweep asked for by hand uses (the demo, the CLI): the two never run at once.
    scheduler = Scheduler(store, [Schedule("payouts", 60, shops=("uk",))], clock=fake_clock)
    scheduler.sync()
    scheduler.tick()
    assert shop_jobs(store) == [("sweep.payouts", "uk", "sweep.payouts")]
