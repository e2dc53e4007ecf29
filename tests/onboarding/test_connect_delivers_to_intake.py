"""End to end: `connect shopify` registers the subscriptions, and the sandbox's deliveries reach
shopbridge's real intake (signature verified, event recorded) through the public URL's tunnel."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from onboarding_support import PUBLIC, SECRET_ENV, Shop, invoke

from cli.live_server import serve
from shopbridge.bootstrap import build_services
from shopbridge.config import load_settings
from shopbridge.engine.schema import inbox_events
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app


def test_the_registered_subscriptions_deliver_to_the_intake(
    shop: Shop, config: Path, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, shop.server.sandbox.settings.webhook_secret)  # the app's secret
    services = build_services(load_settings(config))
    try:
        with serve(create_app(services)) as web_url:
            shop.webhooks(tunnels={PUBLIC: web_url})
            assert invoke(config, "connect", "shopify").exit_code == 0
            shop.place_order()
            stats = shop.flush()["stats"]
    finally:
        services.close()
    assert stats["delivered"] >= 1 and stats["failed_attempts"] == 0
    with sqlite_store.begin() as conn:
        topics = {row.topic for row in conn.execute(sa.select(inbox_events.c.topic))}
    assert "orders/create" in topics
