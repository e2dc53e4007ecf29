"""The order sweep against a fake client: overlap, paging, dedup, and the watermark rule."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from shopbridge.config import parse_settings
from shopbridge.engine import cursors, queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import jobs
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Registry, Worker
from shopbridge.intake import order_sweep
from shopbridge.intake.order_sweep import SCHEDULED_KIND, SWEEP_KIND, cursor_name, sweep_orders, sweep_query

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeShopify:
    """Answers ``orders_updated_since`` from a list of orders, ``page`` at a time."""

    def __init__(self, orders: list[dict[str, Any]], on_page: Any = None) -> None:
        self.orders = orders
        self.queries: list[dict[str, Any]] = []
        self.on_page = on_page

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any:
        assert name == "orders_updated_since" and variables is not None
        self.queries.append(dict(variables))
        start = int(variables["after"] or 0)
        page = self.orders[start : start + variables["first"]]
        if self.on_page:
            self.on_page()
        end = start + len(page)
        info = {"hasNextPage": end < len(self.orders), "endCursor": str(end)}
        return {"orders": {"nodes": page, "pageInfo": info}}


def order(n: int, minute: int = 0) -> dict[str, Any]:
    return {"id": f"gid://shopify/Order/{n}", "updatedAt": f"2026-01-01T11:{minute:02d}:00Z"}


def order_jobs(store: Store) -> list[dict[str, Any]]:
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(jobs).order_by(jobs.c.id))]


def test_sweep_pages_through_every_order_and_enqueues_one_job_each(store: Store) -> None:
    shopify = FakeShopify([order(n) for n in range(1, 8)])
    count = sweep_orders(store, shopify, shop="uk", overlap=timedelta(minutes=10), started=START, page_size=3)
    assert count == 7
    assert len(shopify.queries) == 3
    assert [j["entity_key"] for j in order_jobs(store)] == [f"order:uk:{n}" for n in range(1, 8)]
    assert {j["kind"] for j in order_jobs(store)} == {"shopify.order"}


def test_first_sweep_reads_from_start_minus_overlap(store: Store) -> None:
    shopify = FakeShopify([])
    sweep_orders(store, shopify, shop="uk", overlap=timedelta(minutes=10), started=START)
    assert shopify.queries[0]["query"] == "updated_at:>='2026-01-01T11:50:00Z'"


def test_next_sweep_reads_overlap_behind_the_watermark(store: Store) -> None:
    sweep_orders(store, FakeShopify([]), shop="uk", overlap=timedelta(minutes=10), started=START)
    shopify = FakeShopify([])
    sweep_orders(
        store, shopify, shop="uk", overlap=timedelta(minutes=10), started=START + timedelta(minutes=5)
    )
    assert shopify.queries[0]["query"] == sweep_query(START - timedelta(minutes=10))


def test_watermark_is_the_sweep_start_even_when_orders_change_during_the_sweep(
    store: Store, fake_clock: FakeClock
) -> None:
    fake_clock.set(START)
    orders = [order(1)]
    shopify = FakeShopify(orders, on_page=lambda: fake_clock.advance(120))
    sweep_orders(store, shopify, shop="uk", overlap=timedelta(0), started=fake_clock.now())
    with store.begin() as conn:
        assert cursors.get_cursor(conn, cursor_name("uk")) == START.isoformat()


def test_overlapping_sweeps_do_not_repeat_work(store: Store) -> None:
    shopify = FakeShopify([order(1), order(2)])
    assert sweep_orders(store, shopify, shop="uk", overlap=timedelta(hours=1), started=START) == 2
    assert sweep_orders(store, shopify, shop="uk", overlap=timedelta(hours=1), started=START) == 0
    shopify.orders.append(order(1, minute=30))  # order 1 changed again: a new version, a new job
    assert sweep_orders(store, shopify, shop="uk", overlap=timedelta(hours=1), started=START) == 1
    assert len(order_jobs(store)) == 3


class FakeServices:
    """What the sweep handler needs from bootstrap's Services: settings and a client per shop."""

    def __init__(self, clients: dict[str, FakeShopify]) -> None:
        shops = [
            {
                "name": name,
                "domain": f"{name}.myshopify.com",
                "access_token": {"env": "X"},
                "webhook_secrets": [{"env": "Y"}],
            }
            for name in clients
        ]
        self.settings = parse_settings({"shops": shops, "schedules": {"order_sweep_overlap": 60}})
        self.clients = clients

    def shopify(self, shop: str) -> FakeShopify:
        return self.clients[shop]


def run_sweep_job(
    store: Store, clock: FakeClock, services: FakeServices, kind: str, payload: dict[str, Any]
) -> None:
    registry = Registry()
    for sweep in order_sweep.KINDS:
        registry.register(sweep, order_sweep.handle_sweep)
    with store.begin() as conn:
        queue.enqueue(conn, kind, payload, now=clock.now())
    assert Worker(store, registry, clock=clock, services=services).run_once() == 1


def test_the_scheduled_sweep_sweeps_every_configured_shop(store: Store, fake_clock: FakeClock) -> None:
    services = FakeServices({"uk": FakeShopify([order(1)]), "eu": FakeShopify([order(2), order(3)])})
    run_sweep_job(store, fake_clock, services, SCHEDULED_KIND, {"scheduled_at": fake_clock.now().isoformat()})
    assert sorted(j["entity_key"] for j in order_jobs(store) if j["kind"] == "shopify.order") == [
        "order:eu:2",
        "order:eu:3",
        "order:uk:1",
    ]
    with store.begin() as conn:
        assert cursors.get_cursor(conn, cursor_name("eu")) == fake_clock.now().isoformat()


def test_a_shop_sweep_job_sweeps_only_its_shop(store: Store, fake_clock: FakeClock) -> None:
    services = FakeServices({"uk": FakeShopify([order(1)]), "eu": FakeShopify([order(2)])})
    run_sweep_job(store, fake_clock, services, SWEEP_KIND, {"shop": "eu"})
    assert [j["entity_key"] for j in order_jobs(store) if j["kind"] == "shopify.order"] == ["order:eu:2"]
