"""The demo's stock audit step: the audit runs, and the drift left is counted from the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from shopbridge.bootstrap import build_services
from shopbridge.config import parse_settings
from shopbridge.demo.stack import SHOP_NAME
from shopbridge.demo.stock_audit_day import audit_stock, drift_between
from shopbridge.engine import snapshots
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

TOKEN = "shpat_demo_audit"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(SandboxSettings(access_token=TOKEN, seed_catalogue=True, seed=7))
    server.state.bulk_timing.base_s = 0.05
    server.start()
    yield server
    server.stop()


def levels(sandbox: SandboxServer) -> dict[tuple[str, str], int]:
    with sandbox.state.lock:
        return {(loc, item): q["available"] for (item, loc), q in sandbox.state.inventory_levels.items()}


def test_drift_between_counts_differing_and_missing_levels(sandbox: SandboxServer) -> None:
    current = levels(sandbox)
    first, quantity = sorted(current.items())[0]
    expected = dict(current)
    expected[first] = quantity + 1
    expected[("gid://shopify/Location/1", "gid://shopify/InventoryItem/999")] = 0  # no such level
    assert drift_between(sandbox.state, current) == 0
    assert drift_between(sandbox.state, expected) == 2


def test_the_audit_leaves_no_drift_behind(
    sandbox: SandboxServer, sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_AUDIT_TOKEN", TOKEN)
    settings = parse_settings(
        {
            "shops": [
                {
                    "name": SHOP_NAME,
                    "domain": "sandbox.myshopify.com",
                    "admin_url": sandbox.sandbox.base_url,
                    "access_token": {"env": "DEMO_AUDIT_TOKEN"},
                    "webhook_secrets": [{"env": "DEMO_AUDIT_TOKEN"}],
                }
            ]
        }
    )
    services = build_services(settings, store=sqlite_store, clock=fake_clock)
    pushed = {key: quantity + 3 for key, quantity in sorted(levels(sandbox).items())[:4]}
    with sqlite_store.begin() as conn:
        for (location, item), quantity in pushed.items():
            snapshots.record_pushed(
                conn,
                shop=SHOP_NAME,
                location_id=location,
                inventory_item_id=item,
                quantity=quantity,
                now=fake_clock.now(),
            )
    assert drift_between(sandbox.state, pushed) == 4
    stack: Any = SimpleNamespace(services=services, shopify=sandbox)
    try:
        assert audit_stock(stack) == {"drift_after_audit": 0}
    finally:
        services.close()  # its Shopify client; disposing the store's pool twice is harmless
    assert {key: levels(sandbox)[key] for key in pushed} == pushed
