"""Only the SKUs whose product's collections changed in Shopify are marked stale on a whole read."""

from __future__ import annotations

from shopbridge.domain.stock import StockItem
from shopbridge.flows.collection_changes import moved_skus


def _item(sku: str, *collections: str) -> StockItem:
    return StockItem(sku=sku, variant_id=f"v-{sku}", inventory_item_id=f"i-{sku}", collections=collections)


def test_only_skus_whose_handles_differ_are_moved() -> None:
    skus_of = {"P1": ["A", "B"], "P2": ["C"], "P3": ["D"]}
    handles = {"P1": ("fragile", "sale"), "P2": ("sale",), "P3": ()}
    stored = {
        "A": _item("A", "sale"),  # added to "fragile"
        "B": _item("B", "sale", "fragile"),  # already knew both, in another order
        "C": _item("C", "sale"),  # unchanged
        "D": _item("D", "sale"),  # removed from "sale"
    }
    assert moved_skus(skus_of, handles, stored) == {"A", "D"}


def test_skus_the_stock_push_never_met_and_products_the_bulk_read_missed_are_left_alone() -> None:
    skus_of = {"P1": ["A", "NEW"], "P9": ["Z"]}
    stored = {"A": _item("A"), "Z": _item("Z")}
    assert moved_skus(skus_of, {"P1": ("fragile",)}, stored) == {"A"}
