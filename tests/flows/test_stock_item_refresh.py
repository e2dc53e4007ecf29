"""Stock items the catalogue saw change (``flows/stock_item_refresh.py``): the stock sweep reads them
again and recomputes only them; a held push keeps them for the next sweep; a SKU the push never met is
left for its first meeting. The catalogue's side (which SKUs it marks) is in test_catalogue_incremental.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from flows.stock_fakes import LOC1
from flows.test_stock_flow import Harness, harness
from shopbridge.flows import stock_item_refresh

__all__ = ["harness"]

FRAGILE = {"rules": [{"collection": "fragile", "units": 4}, {"product_type": "Glass", "units": 1}]}


def moved(h: Harness, sku: str, *, collections: tuple[str, ...] = (), product_type: str = "Tees") -> None:
    """A merchant moves the SKU's product in Shopify (a collection, a type)."""
    h.shopify.variants = [
        replace(v, collections=collections, product_type=product_type) if v.sku == sku else v
        for v in h.shopify.variants
    ]


def stale(h: Harness) -> str | None:
    with h.context().uow.begin() as tx:
        return tx.cursor(f"{stock_item_refresh.STALE}:uk")


def test_a_sku_the_catalogue_marked_is_read_again_and_only_it_is_recomputed(harness: Harness) -> None:
    harness.with_settings(buffers=FRAGILE)
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 10
    moved(harness, "TEE-M", collections=("fragile",))
    moved(harness, "TEE-S", product_type="Glass")  # moved too, but the catalogue has not seen it yet
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 10  # the stored item still has the old handles
    calls = len(harness.shopify.sets)
    stock_item_refresh.mark_stale(harness.context(), ["TEE-M"])
    harness.sweep()
    assert [(w.inventory_item_id, w.quantity) for w in harness.shopify.sets[calls]] == [
        ("gid://shopify/InventoryItem/2", 6)
    ]
    assert harness.shopify.held("TEE-S") == 10
    assert stale(harness) == "[]"
    moved(harness, "TEE-M")  # out again
    stock_item_refresh.mark_stale(harness.context(), ["TEE-M", "TEE-S"])
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 10 and harness.shopify.held("TEE-S") == 9


def test_a_held_push_keeps_the_stale_skus_for_the_next_sweep(harness: Harness) -> None:
    harness.with_settings(buffers=FRAGILE)
    harness.sweep()
    moved(harness, "TEE-M", collections=("fragile",))
    stock_item_refresh.mark_stale(harness.context(), ["TEE-M"])
    for sku in ("TEE-S", "MUG-01", "BOTTLE-01"):
        harness.erp.set_stock(sku, "MAIN", Decimal(0))
    harness.sweep()
    assert harness.open_problems() == ["stock_push_held"] and harness.shopify.held("TEE-M") == 10
    assert stale(harness) == '["TEE-M"]'
    for sku in ("TEE-S", "MUG-01", "BOTTLE-01"):
        harness.erp.set_stock(sku, "MAIN", Decimal(10))
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 6 and stale(harness) == "[]"


def test_a_sku_the_push_never_met_is_left_for_its_first_meeting(harness: Harness) -> None:
    harness.sweep()
    harness.shopify.add_variant("NEW-1")
    harness.erp.add_item("NEW-1")
    harness.erp.set_stock("NEW-1", "MAIN", Decimal(5))
    stock_item_refresh.mark_stale(harness.context(), ["NEW-1"])
    assert stale(harness) == '["NEW-1"]'
    with harness.context().uow.begin() as tx:
        assert tx.stock_items("uk", ["NEW-1"]) == {}
    assert stock_item_refresh.refresh(harness.context(), harness.shopify) == (set(), {"NEW-1"})
    with harness.context().uow.begin() as tx:
        assert tx.stock_items("uk", ["NEW-1"]) == {}  # not read for the refresh
    stock_item_refresh.forget(harness.context(), {"NEW-1"})
    assert stale(harness) == "[]"
    assert harness.shopify.held("NEW-1", LOC1) == 0
