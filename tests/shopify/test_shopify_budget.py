"""Acceptance: at 50 points/s the client uses >= 95% of the cost budget and never surfaces THROTTLED."""

from __future__ import annotations

import os

import pytest
from shopify_support import saturating_push

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.mark.slow
def test_client_uses_the_cost_budget_and_never_surfaces_throttled(
    sandbox: SandboxServer, sandbox_shop: ShopSettings
) -> None:
    seconds = float(os.environ.get("SHOPBRIDGE_BUDGET_SECONDS", "60"))
    with ShopifyClient.from_settings(sandbox_shop) as client:
        result = saturating_push(sandbox, client, seconds=seconds, restore_rate=50.0)
    assert result.errors == 0
    assert result.throttled_surfaced == 0
    assert result.fraction_used >= 0.95, result.as_dict()
