"""Against the Shopify sandbox over real HTTP: reads, the end-to-end webhook path and the sweep."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from shopify_support import Served, control, level_quantities, place_order, settings_data
from starlette.applications import Starlette

from shopbridge.bootstrap import Services
from shopbridge.config import ShopSettings, parse_settings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.pagination import iterate_connection
from shopbridge.connectors.shopify.translate import order_from_graphql
from shopbridge.engine import inbox
from shopbridge.engine.clock import SystemClock
from shopbridge.engine.schema import inbox_events, jobs
from shopbridge.engine.store import Store
from shopbridge.engine.worker import Registry, Worker
from shopbridge.intake import webhooks as intake
from shopbridge.intake.order_sweep import sweep_orders
from shopbridge.sandbox.shopify.server import SandboxServer
from shopbridge.web.intake import WEBHOOK_PATH, intake_routes


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


@pytest.fixture
def intake_url(sandbox: SandboxServer, store: Store) -> Iterator[str]:
    """Our intake on a real server, subscribed to the sandbox's webhooks."""
    services = Services(settings=parse_settings(settings_data(sandbox)), store=store, clock=SystemClock())
    with Served(Starlette(routes=intake_routes(services))) as served:
        yield served.url + WEBHOOK_PATH


def first_variant(sandbox: SandboxServer, sku: str = "TEE-M") -> str:
    variants = control(sandbox, "state")["variants"].values()
    return str(next(v["id"] for v in variants if v["sku"] == sku))


def order_jobs(store: Store) -> list[dict[str, Any]]:
    with store.begin() as conn:
        query = sa.select(jobs).where(jobs.c.kind == intake.ORDER_KIND).order_by(jobs.c.id)
        return [dict(r._mapping) for r in conn.execute(query)]


def test_order_read_from_the_sandbox_translates_to_a_canonical_order(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    order_id = place_order(sandbox, first_variant(sandbox), quantity=2)
    order = order_from_graphql(client.execute("order_by_id", {"id": order_id})["order"], shop="sandbox")
    assert order.shopify_id == order_id and order.skus == ("TEE-M",)
    assert order.lines[0].quantity == 2
    assert order.total_price is not None and order.total_price.amount > 0
    assert client.stats.cost_actual > 0 and client.stats.throttled_surfaced == 0


def test_pagination_walks_every_inventory_level(sandbox: SandboxServer, client: ShopifyClient) -> None:
    location = next(iter(control(sandbox, "state")["locations"]))
    variables = {"locationId": location, "names": ["available", "on_hand"]}
    levels = list(
        iterate_connection(
            client, "inventory_levels", variables, ("location", "inventoryLevels"), page_size=3
        )
    )
    expected = [lv for lv in control(sandbox, "state")["inventory_levels"] if lv["location_id"] == location]
    assert len(levels) == len(expected) > 3
    assert len({lv["id"] for lv in levels}) == len(levels)


def test_sandbox_order_reaches_its_flow_job_through_a_signed_webhook(
    sandbox: SandboxServer, store: Store, intake_url: str
) -> None:
    control(sandbox, "webhooks", {"address": intake_url, "secret": sandbox.sandbox.settings.webhook_secret})
    order_id = place_order(sandbox, first_variant(sandbox))
    assert control(sandbox, "webhooks/flush", {})["done"]
    [job] = order_jobs(store)
    number = order_id.rsplit("/", 1)[-1]
    assert (job["entity_key"], job["shop"], job["state"]) == (f"order:sandbox:{number}", "sandbox", "pending")
    assert job["payload"]["order_id"] == order_id
    assert job["payload"]["topic"] in ("orders/create", "orders/paid")
    with store.begin() as conn:
        event = inbox.get_event(conn, job["payload"]["inbox_event_id"])
    assert event is not None and event.topic == job["payload"]["topic"] and event.api_version == "2026-07"

    seen: list[str] = []
    registry = Registry()
    registry.register(job["kind"], lambda claimed, ctx: seen.append(claimed.payload["order_id"]))
    Worker(store, registry, clock=SystemClock()).run_once()
    with store.begin() as conn:
        states = [r.state for r in conn.execute(sa.select(jobs.c.state))]
    assert seen == [order_id] and set(states) == {"done"}


def test_sweep_brings_in_every_order_when_the_sandbox_drops_a_tenth_of_the_webhooks(
    sandbox: SandboxServer, store: Store, intake_url: str, client: ShopifyClient
) -> None:
    secret = sandbox.sandbox.settings.webhook_secret
    # One topic, so a dropped webhook is a lost order (with orders/paid too, both must be dropped).
    subscription = {"address": intake_url, "secret": secret, "topics": ["orders/create"]}
    control(sandbox, "webhooks", {**subscription, "drop_rate": 0.1, "seed": 3})
    started = SystemClock().now()
    variant = first_variant(sandbox)
    order_ids = {place_order(sandbox, variant) for _ in range(30)}
    described = control(sandbox, "webhooks/flush", {})
    assert described["done"] and described["stats"]["dropped"] > 0
    from_webhooks = {j["payload"]["order_id"] for j in order_jobs(store)}
    assert from_webhooks < order_ids  # some orders were lost by their webhooks ...

    sweep_orders(store, client, shop="sandbox", overlap=timedelta(seconds=60), started=started, page_size=7)
    assert {j["payload"]["order_id"] for j in order_jobs(store)} == order_ids  # ... and the sweep found them
    with store.begin() as conn:
        sources = {r.source for r in conn.execute(sa.select(inbox_events.c.source))}
    assert sources == {"shopify", "shopify.order_version"}


def test_clients_with_separate_budgets_meet_throttled_and_never_surface_it(
    sandbox: SandboxServer, sandbox_shop: ShopSettings
) -> None:
    """Two processes' clients do not share a budget: Shopify's THROTTLED arbitrates and is retried."""
    control(sandbox, "settings", {"restore_rate": 100, "bucket_size": 40, "refill": True})
    rows = level_quantities(sandbox)[:5]
    clients = [ShopifyClient.from_settings(sandbox_shop) for _ in range(2)]

    def push(client: ShopifyClient) -> None:
        for n in range(12):
            quantities = [{**q, "quantity": n} for q in rows]
            variables = {"input": {"name": "available", "reason": "correction", "quantities": quantities}}
            client.mutate("inventory_set_quantities", variables, key=str(uuid.uuid4()))

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(push, clients))  # re-raises any error, THROTTLED included
    finally:
        for client in clients:
            client.close()
    assert sum(c.stats.throttled_seen for c in clients) > 0
    assert sum(c.stats.throttled_surfaced for c in clients) == 0
