"""The inbox records each event once."""

from __future__ import annotations

from shopbridge.engine import inbox
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store


def record(store: Store, clock: FakeClock, event_id: str, shop: str = "uk") -> int | None:
    with store.begin() as conn:
        return inbox.record_event(
            conn,
            source="shopify",
            shop=shop,
            topic="orders/paid",
            event_id=event_id,
            triggered_at=None,
            payload='{"id": 1}',
            now=clock.now(),
        )


def test_a_redelivered_event_is_recorded_once(store: Store, fake_clock: FakeClock) -> None:
    first = record(store, fake_clock, "e-1")
    assert first is not None
    assert record(store, fake_clock, "e-1") is None


def test_the_same_event_id_from_another_shop_is_a_different_event(
    store: Store, fake_clock: FakeClock
) -> None:
    assert record(store, fake_clock, "e-1", shop="uk") != record(store, fake_clock, "e-1", shop="eu")


def test_marking_an_event_sets_its_status_and_time(store: Store, fake_clock: FakeClock) -> None:
    event_id = record(store, fake_clock, "e-1")
    assert event_id is not None
    fake_clock.advance(3)
    with store.begin() as conn:
        inbox.mark_event(conn, event_id, status="processed", now=fake_clock.now())
        event = inbox.get_event(conn, event_id)
    assert event is not None
    assert (event.status, event.processed_at, event.payload) == ("processed", fake_clock.now(), '{"id": 1}')
