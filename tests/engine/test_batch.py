"""The many-row inbox and queue writes: new rows are reported, duplicates skipped, on both databases."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.engine import inbox, queue
from shopbridge.engine.batch import (
    NewEvent,
    NewJob,
    enqueue_jobs,
    mark_events,
    record_events,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import inbox_events, jobs
from shopbridge.engine.sql import PerDialect
from shopbridge.engine.store import Store


def event(event_id: str, *, shop: str = "uk", source: str = "shopify", **extra: Any) -> NewEvent:
    return NewEvent(source=source, shop=shop, topic="orders/paid", event_id=event_id, payload="{}", **extra)


def job(dedup_key: str | None, **extra: Any) -> NewJob:
    return NewJob(kind="k", payload={"key": dedup_key}, dedup_key=dedup_key, **extra)


def table_rows(store: Store, table: sa.Table) -> list[dict[str, Any]]:
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_record_events_reports_only_the_new_events_by_key(store: Store, fake_clock: FakeClock) -> None:
    now = fake_clock.now()
    with store.begin() as conn:
        first = record_events(conn, [event("a"), event("b")], now=now)
    with store.begin() as conn:
        second = record_events(
            conn, [event("b"), event("c"), event("c"), event("b", shop="eu"), event("b", source="x")], now=now
        )
    assert set(first) == {("shopify", "uk", "a"), ("shopify", "uk", "b")}
    assert set(second) == {("shopify", "uk", "c"), ("shopify", "eu", "b"), ("x", "uk", "b")}
    stored = {(r["source"], r["shop"], r["event_id"]): r["id"] for r in table_rows(store, inbox_events)}
    assert stored == {**first, **second}


def test_record_events_stores_every_field(store: Store, fake_clock: FakeClock) -> None:
    triggered = fake_clock.now() - timedelta(seconds=5)
    new = event("a", webhook_id="wh", api_version="2026-07", triggered_at=triggered, status="malformed")
    with store.begin() as conn:
        [row_id] = record_events(conn, [new], now=fake_clock.now()).values()
        stored = inbox.get_event(conn, row_id)
    assert stored is not None
    assert (stored.topic, stored.payload, stored.webhook_id, stored.api_version) == (
        "orders/paid",
        "{}",
        "wh",
        "2026-07",
    )
    assert (stored.triggered_at, stored.received_at, stored.status) == (
        triggered,
        fake_clock.now(),
        "malformed",
    )


def test_record_event_sees_events_recorded_in_a_batch_as_duplicates(
    store: Store, fake_clock: FakeClock
) -> None:
    with store.begin() as conn:
        record_events(conn, [event("a")], now=fake_clock.now())
        again = inbox.record_event(
            conn,
            source="shopify",
            shop="uk",
            topic="orders/paid",
            event_id="a",
            triggered_at=None,
            payload="{}",
            now=fake_clock.now(),
        )
    assert again is None


def test_enqueue_jobs_skips_keys_held_by_active_jobs(store: Store, fake_clock: FakeClock) -> None:
    now = fake_clock.now()
    with store.begin() as conn:
        held = queue.enqueue(conn, "k", {}, dedup_key="held", now=now)
        enqueue_jobs(conn, [job("held"), job("fresh"), job("fresh"), job(None), job(None)], now=now)
    stored = table_rows(store, jobs)
    assert [(r["dedup_key"], r["payload"]) for r in stored] == [
        ("held", {}),
        ("fresh", {"key": "fresh"}),
        (None, {"key": None}),
        (None, {"key": None}),
    ]
    assert stored[0]["id"] == held


def test_a_finished_job_frees_its_dedup_key(store: Store, fake_clock: FakeClock) -> None:
    now = fake_clock.now()
    with store.begin() as conn:
        enqueue_jobs(conn, [job("d")], now=now)
        conn.execute(jobs.update().values(state="done", finished_at=now))
        enqueue_jobs(conn, [job("d")], now=now)
        enqueue_jobs(conn, [job("d")], now=now)
    assert [r["state"] for r in table_rows(store, jobs)] == ["done", "pending"]


def test_enqueue_jobs_writes_pending_jobs_due_now_unless_told(store: Store, fake_clock: FakeClock) -> None:
    now, later = fake_clock.now(), fake_clock.now() + timedelta(minutes=5)
    new_jobs = [job("a", entity_key="order:uk:1", shop="uk"), job("b", run_after=later, max_attempts=3)]
    with store.begin() as conn:
        enqueue_jobs(conn, new_jobs, now=now)
    a, b = table_rows(store, jobs)
    assert (a["state"], a["attempts"], a["entity_key"], a["shop"], a["payload"]) == (
        "pending",
        0,
        "order:uk:1",
        "uk",
        {"key": "a"},
    )
    assert (a["run_after"], a["created_at"], a["max_attempts"]) == (now, now, None)
    assert (b["run_after"], b["max_attempts"]) == (later, 3)


def test_enqueue_returns_the_active_job_of_a_key_a_batch_took(store: Store, fake_clock: FakeClock) -> None:
    with store.begin() as conn:
        enqueue_jobs(conn, [job("d")], now=fake_clock.now())
        again = queue.enqueue(conn, "k", {}, dedup_key="d", now=fake_clock.now())
    [stored] = table_rows(store, jobs)
    assert stored["id"] == again


def test_mark_events_sets_status_and_time_of_the_listed_events_only(
    store: Store, fake_clock: FakeClock
) -> None:
    with store.begin() as conn:
        ids = record_events(conn, [event("a"), event("b"), event("c")], now=fake_clock.now())
    fake_clock.advance(3)
    marked = [ids[("shopify", "uk", "a")], ids[("shopify", "uk", "c")]]
    with store.begin() as conn:
        mark_events(conn, marked, status="same_version", now=fake_clock.now())
        mark_events(conn, [], status="ignored", now=fake_clock.now())
    stored = {r["event_id"]: (r["status"], r["processed_at"]) for r in table_rows(store, inbox_events)}
    assert stored == {
        "a": ("same_version", fake_clock.now()),
        "b": ("received", None),
        "c": ("same_version", fake_clock.now()),
    }


def test_empty_batches_write_nothing(store: Store, fake_clock: FakeClock) -> None:
    with store.begin() as conn:
        assert record_events(conn, [], now=fake_clock.now()) == {}
        enqueue_jobs(conn, [], now=fake_clock.now())
    assert table_rows(store, inbox_events) == [] and table_rows(store, jobs) == []


def test_per_dialect_values_are_built_once_on_first_use_across_threads(sqlite_store: Store) -> None:
    built: list[str] = []
    start = threading.Barrier(8)

    def build(dialect: str) -> object:
        built.append(dialect)
        time.sleep(0.05)  # a slow build: the other threads arrive while it runs
        return object()

    per_dialect = PerDialect(build)
    assert built == []  # nothing built before first use
    with sqlite_store.engine.connect() as conn:  # the threads only read its dialect

        def use(_: int) -> object:
            start.wait(10)
            return per_dialect(conn)

        with ThreadPoolExecutor(8) as pool:
            values = list(pool.map(use, range(8)))
        assert per_dialect(conn) is values[0]
    assert built == ["sqlite"]
    assert all(value is values[0] for value in values)
