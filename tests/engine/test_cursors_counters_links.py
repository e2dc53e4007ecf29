"""Cursors, counters and links behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shopbridge.engine import counters, cursors, links
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store


def test_a_cursor_never_set_reads_none(store: Store) -> None:
    with store.begin() as conn:
        assert cursors.get_cursor(conn, "orders") is None


def test_setting_a_cursor_twice_keeps_the_last_value(store: Store, fake_clock: FakeClock) -> None:
    with store.begin() as conn:
        cursors.set_cursor(conn, "orders", "2026-01-01T00:00:00Z", now=fake_clock.now())
        cursors.set_cursor(conn, "orders", "2026-01-02T00:00:00Z", now=fake_clock.now())
    with store.begin() as conn:
        assert cursors.get_cursor(conn, "orders") == "2026-01-02T00:00:00Z"


def test_counters_start_at_zero_and_add_up(store: Store) -> None:
    with store.begin() as conn:
        assert counters.read(conn, "events") == 0
        counters.increment(conn, "events")
        counters.increment(conn, "events", by=4)
    with store.begin() as conn:
        assert counters.read(conn, "events") == 5
        assert counters.read_all(conn) == {"events": 5}


def test_relinking_a_shopify_id_updates_the_erp_side_and_bumps_version(
    store: Store, fake_clock: FakeClock
) -> None:
    with store.begin() as conn:
        links.link(conn, entity_type="order", shop="uk", shopify_id="1", erp_id="SO1", now=fake_clock.now())
        links.link(
            conn,
            entity_type="order",
            shop="uk",
            shopify_id="1",
            erp_id="SO2",
            erp_reference="R2",
            now=fake_clock.now(),
        )
    with store.begin() as conn:
        found = links.find(conn, entity_type="order", shop="uk", shopify_id="1")
        by_erp = links.find(conn, entity_type="order", shop="uk", erp_id="SO2")
    assert found is not None and (found.erp_id, found.erp_reference, found.version) == ("SO2", "R2", 2)
    assert by_erp == found


def test_two_shopify_records_cannot_link_to_one_erp_document(store: Store, fake_clock: FakeClock) -> None:
    with pytest.raises(sa.exc.IntegrityError), store.begin() as conn:
        links.link(conn, entity_type="order", shop="uk", shopify_id="1", erp_id="SO1", now=fake_clock.now())
        links.link(conn, entity_type="order", shop="uk", shopify_id="2", erp_id="SO1", now=fake_clock.now())


def test_one_erp_item_may_link_to_a_variant_in_each_shop(store: Store, fake_clock: FakeClock) -> None:
    with store.begin() as conn:
        for shop in ("uk", "eu"):
            links.link(
                conn,
                entity_type="item",
                shop=shop,
                shopify_id=f"v-{shop}",
                erp_id="SKU1",
                now=fake_clock.now(),
            )
        assert links.find(conn, entity_type="item", shop="eu", erp_id="SKU1") is not None


def test_finding_a_link_needs_exactly_one_id(store: Store) -> None:
    with pytest.raises(ValueError), store.begin() as conn:
        links.find(conn, entity_type="order", shop="uk")
