"""The full stock audit end to end: shopbridge's Shopify client against the HTTP Shopify sandbox.

Shopbridge has pushed every level (the stock snapshots say so); another app then changes a few in
Shopify. The audit's bulk read (which takes time in the sandbox, as in Shopify) finds exactly those,
sets them back with compare-and-swap and raises one STOCK_MISMATCH problem; a second audit finds
nothing and resolves it. A bulk read cancelled in Shopify ends the audit with RetryLater and
repairs nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from shopbridge.config import parse_settings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.inventory_audit import Backoff
from shopbridge.engine import snapshots
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import problems
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import RetryLater
from shopbridge.flows.stock_audit import run_audit
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

TOKEN = "shpat_stock_audit"
ADJUST = (
    "mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) "
    "@idempotent(key: $key) { userErrors { code message } } }"
)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxSettings(access_token=TOKEN, seed_catalogue=True, seed=7))
    server.state.bulk_timing.base_s = 0.05  # fast for tests, never instant
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopifyClient]:
    monkeypatch.setenv("STOCK_AUDIT_TOKEN", TOKEN)
    settings = parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "sandbox.myshopify.com",
                    "admin_url": sandbox.sandbox.base_url,
                    "access_token": {"env": "STOCK_AUDIT_TOKEN"},
                    "webhook_secrets": [{"env": "STOCK_AUDIT_TOKEN"}],
                }
            ]
        }
    )
    with ShopifyClient.from_settings(settings.shops[0]) as shopify:
        shopify.audit_backoff = Backoff(first_interval=0.02, max_interval=0.2, deadline=30)
        yield shopify


def levels(sandbox: SandboxServer) -> dict[tuple[str, str], int]:
    with sandbox.state.lock:
        return {(loc, item): q["available"] for (item, loc), q in sandbox.state.inventory_levels.items()}


def push_all(store: Store, clock: FakeClock, sandbox: SandboxServer) -> None:
    """As if shopbridge had pushed every level Shopify holds now."""
    with store.begin() as conn:
        for (location, item), quantity in levels(sandbox).items():
            snapshots.record_pushed(
                conn,
                shop="uk",
                location_id=location,
                inventory_item_id=item,
                quantity=quantity,
                sku=sku_of(sandbox, item),
                now=clock.now(),
            )


def sku_of(sandbox: SandboxServer, item: str) -> str:
    variant = sandbox.state.variants[sandbox.state.inventory_items[item]["variant_id"]]
    return str(variant.get("sku") or "")


def another_app_adjusts(sandbox: SandboxServer, location: str, item: str, delta: int) -> None:
    change = {"inventoryItemId": item, "locationId": location, "delta": delta, "changeFromQuantity": None}
    variables = {
        "input": {"name": "available", "reason": "correction", "changes": [change]},
        "key": str(uuid.uuid4()),
    }
    query = ADJUST.replace("$key", f'"{variables.pop("key")}"')
    answer = httpx.post(
        sandbox.graphql_url,
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": TOKEN},
    ).json()
    assert answer["data"]["inventoryAdjustQuantities"]["userErrors"] == [], answer


def open_problems(store: Store) -> list[tuple[str, str, Any]]:
    query = sa.select(problems.c.kind, problems.c.status, problems.c.details)
    with store.begin() as conn:
        return [(str(kind), str(status), details) for kind, status, details in conn.execute(query)]


def test_drift_made_by_another_app_is_repaired_and_reported(
    sandbox: SandboxServer, client: ShopifyClient, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    push_all(sqlite_store, fake_clock, sandbox)
    expected = levels(sandbox)
    drifted = sorted(expected)[:3]
    for delta, (location, item) in zip((4, -2, 9), drifted, strict=True):
        another_app_adjusts(sandbox, location, item, delta)
    assert levels(sandbox) != expected
    uow = StoreUnitOfWork(sqlite_store, fake_clock)
    report = run_audit(client, uow, "uk", key=str(uuid.uuid4()))
    assert (report.levels_read, report.compared) == (len(expected), len(expected))
    assert (report.drift_count, report.repaired) == (3, 3)
    assert [d.difference for d in report.worst] == [9, 4, -2]
    assert levels(sandbox) == expected
    [(kind, status, details)] = open_problems(sqlite_store)
    assert (kind, status, details["drift"]) == ("stock_mismatch", "open", 3)
    again = run_audit(client, uow, "uk", key=str(uuid.uuid4()))
    assert again.drift_count == 0
    assert [(k, s) for k, s, _ in open_problems(sqlite_store)] == [("stock_mismatch", "resolved")]


def cancel_the_next_bulk_operation(sandbox: SandboxServer) -> None:
    """Cancel the next bulk operation in Shopify (as a person in the admin would) while it runs."""
    pause = threading.Event()
    for _ in range(500):
        with sandbox.state.lock:
            ops = sandbox.state.bulk_operations.values()
            running = [op["id"] for op in ops if op["status"] in ("CREATED", "RUNNING")]
        if running:
            mutation = (
                f'mutation {{ bulkOperationCancel(id: "{running[0]}") {{ userErrors {{ message }} }} }}'
            )
            headers = {"X-Shopify-Access-Token": TOKEN}
            httpx.post(sandbox.graphql_url, json={"query": mutation}, headers=headers)
            return
        pause.wait(0.01)


def test_a_bulk_read_cancelled_in_shopify_repairs_nothing_and_asks_for_a_retry(
    sandbox: SandboxServer, client: ShopifyClient, sqlite_store: Store, fake_clock: FakeClock
) -> None:
    push_all(sqlite_store, fake_clock, sandbox)
    location, item = sorted(levels(sandbox))[0]
    another_app_adjusts(sandbox, location, item, 5)
    drifted = levels(sandbox)
    sandbox.state.bulk_timing.base_s = 3.0  # long enough to be cancelled while it runs
    canceller = threading.Thread(target=cancel_the_next_bulk_operation, args=(sandbox,))
    canceller.start()
    with pytest.raises(RetryLater, match="CANCELED"):
        run_audit(client, StoreUnitOfWork(sqlite_store, fake_clock), "uk", key=str(uuid.uuid4()))
    canceller.join(10)
    assert levels(sandbox) == drifted
    assert open_problems(sqlite_store) == []
    sandbox.state.bulk_timing.base_s = 0.05  # the retry, later, completes and repairs
    report = run_audit(client, StoreUnitOfWork(sqlite_store, fake_clock), "uk", key=str(uuid.uuid4()))
    assert report.repaired == 1
