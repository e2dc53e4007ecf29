"""ERP kits feed bundle availability like ``[bundles]`` does; config wins where both define one."""

from __future__ import annotations

import pytest

from flows.stock_fakes import FakeInventory
from flows.test_stock_flow import SKUS, D, Harness, make_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.flows import stock_kits
from shopbridge.ports.erp import Capability


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    """The stock flow's harness: four SKUs with 10 in MAIN, and the configured bundle KIT."""
    monkeypatch.setenv("FLOW_TOKEN", "x")
    erp, shopify = MemoryErp(), FakeInventory()
    for sku in SKUS:
        erp.add_item(sku)
        erp.set_stock(sku, "MAIN", D(10))
        shopify.add_variant(sku)
    shopify.add_variant("KIT")
    return Harness(sqlite_store, fake_clock, erp, shopify, make_settings())


def _learn(harness: Harness, *skus: str) -> None:
    """What the catalogue sweep does with the ERP items of the SKUs Shopify sells."""
    stock_kits.learn(harness.context(), harness.erp.get_items(list(skus)))


def test_an_erp_kit_sells_what_its_scarcest_component_allows(harness: Harness) -> None:
    harness.erp.add_item("GIFT-SET")
    harness.shopify.add_variant("GIFT-SET")
    harness.sweep()
    assert harness.shopify.held("GIFT-SET") == 0  # a plain SKU with no stock of its own
    harness.erp.set_kit("GIFT-SET", {"TEE-M": 2, "BOTTLE-01": 1})
    _learn(harness, "GIFT-SET", "TEE-M", "BOTTLE-01")
    harness.sweep()  # nothing moved in the ERP's stock: the new kit alone is recomputed
    assert harness.shopify.held("GIFT-SET") == 5  # min(10 // 2, 10 // 1)
    harness.erp.set_stock("BOTTLE-01", "MAIN", D(3))
    harness.sweep()
    assert harness.shopify.held("GIFT-SET") == 3  # follows its scarcest component


def test_config_wins_over_an_erp_kit_of_the_same_sku(harness: Harness) -> None:
    harness.erp.add_item("KIT")
    harness.erp.set_kit("KIT", {"TEE-M": 5})
    _learn(harness, "KIT")
    harness.sweep()
    assert harness.shopify.held("KIT") == 5  # config: min(TEE-S 10 // 1, MUG-01 10 // 2), not 10 // 5


def test_a_kit_that_is_no_longer_one_falls_back_to_its_own_stock(harness: Harness) -> None:
    harness.erp.add_item("GIFT-SET")
    harness.shopify.add_variant("GIFT-SET")
    harness.erp.set_kit("GIFT-SET", {"TEE-M": 1})
    _learn(harness, "GIFT-SET")
    harness.sweep()
    assert harness.shopify.held("GIFT-SET") == 10
    harness.erp.set_kit("GIFT-SET", {})
    harness.erp.set_stock("GIFT-SET", "MAIN", D(2))
    _learn(harness, "GIFT-SET")
    harness.sweep()
    assert harness.shopify.held("GIFT-SET") == 2


def test_an_erp_without_kits_teaches_none(harness: Harness) -> None:
    harness.erp.add_item("GIFT-SET")
    harness.erp.set_kit("GIFT-SET", {"TEE-M": 1})
    harness.erp.enabled = harness.erp.enabled - {Capability.KITS}
    _learn(harness, "GIFT-SET")
    with harness.context().uow.begin() as tx:
        assert stock_kits.stored_kits(tx, "uk") == {}
