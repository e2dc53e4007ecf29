"""Tryton's kit (GIFT-SET: a mug and a cap, ``product-kit``) becomes a stock bundle: the catalogue
sweep's items teach it, and its figure is its scarcest component's, as a ``[bundles]`` entry's is."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flows.stock_fakes import FakeInventory
from shopbridge.config import parse_settings
from shopbridge.connectors.erp.tryton.adapter import TrytonErp
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import stock_kits
from shopbridge.flows.spec import FlowContext
from shopbridge.flows.stock_settings import stock_rules
from shopbridge.flows.stock_to_shopify import compute_figures

LOCATION = "gid://shopify/Location/1"


def test_trytons_gift_set_sells_as_many_as_its_scarcest_component(
    erp: TrytonErp, sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    settings = parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "uk.myshopify.com",
                    "access_token": {"env": "FLOW_TOKEN"},
                    "webhook_secrets": [{"env": "FLOW_TOKEN"}],
                    "locations": {"1": "WH"},
                }
            ]
        }
    )
    shop = settings.shops[0]
    uow = StoreUnitOfWork(sqlite_store, fake_clock)
    ctx = FlowContext(erp, FakeInventory(), uow, fake_clock, settings, shop)
    stock_kits.learn(ctx, erp.get_items(["GIFT-SET", "MUG-WHITE"]))
    with uow.begin() as tx:
        kits = stock_kits.stored_kits(tx, "uk")
    assert kits == {"GIFT-SET": {"CAP-BLACK": 1, "MUG-WHITE": 1}}
    rules = stock_kits.with_kits(stock_rules(settings, shop), kits)
    levels = {("CAP-BLACK", "WH"): Decimal(4), ("MUG-WHITE", "WH"): Decimal(9)}
    figures = compute_figures(rules, {"GIFT-SET", "CAP-BLACK", "MUG-WHITE"}, levels, {}, {}, peak=False)
    gift = figures[("GIFT-SET", LOCATION)]
    assert gift.quantity == 4
    assert "scarcest CAP-BLACK" in gift.explain()
