"""Stock snapshots remember the last quantity pushed per shop, location and item."""

from __future__ import annotations

from shopbridge.engine import snapshots
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store


def test_the_last_pushed_quantity_wins_per_location(store: Store, fake_clock: FakeClock) -> None:
    with store.begin() as conn:
        for location, quantity in (("L1", 5), ("L1", 7), ("L2", 1)):
            snapshots.record_pushed(
                conn,
                shop="uk",
                location_id=location,
                inventory_item_id="I1",
                quantity=quantity,
                now=fake_clock.now(),
            )
        assert snapshots.last_pushed(conn, shop="uk", location_id="L1", inventory_item_ids=["I1", "I2"]) == {
            "I1": 7
        }
        assert snapshots.last_pushed(conn, shop="eu", location_id="L1", inventory_item_ids=["I1"]) == {}
        assert snapshots.last_pushed(conn, shop="uk", location_id="L1", inventory_item_ids=[]) == {}
