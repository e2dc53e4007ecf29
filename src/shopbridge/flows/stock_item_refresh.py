"""Stock items the catalogue saw change: read again by the stock sweep, their figures recomputed.

A stock item (``stock_items``: variant, inventory item, product type, collection handles) is read when
the stock push first meets its SKU. A product moved into or out of a collection (or given another
type) would keep its old handles, and a buffer rule keyed on them would apply wrongly. The incremental
catalogue sweep already reads the changed products whole, so it marks their SKUs stale
(:func:`mark_stale`, a per-shop cursor holding the SKUs as JSON); the next stock sweep reads those
items again from Shopify, keeps them, and recomputes those SKUs (:func:`refresh`), then forgets the
ones it handled once its push went through (:func:`forget`). A held push forgets nothing, so the next
sweep recomputes them again.

Only SKUs the stock push already knows are read again: the others are read when it first meets them.
A whole catalogue read (the first sweep, then every ``[catalogue] full_every``) does not mark every
SKU (that would read every stock item again): it marks only those whose collections changed, found in
one bulk read (``collection_changes``: adding a product to a custom collection leaves its
``updatedAt`` alone, so the incremental sweep never sees it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from shopbridge.domain.stock import StockItem
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.shopify import ShopifyInventoryPort

__all__ = ["STALE", "forget", "mark_stale", "refresh"]

STALE = "stock.stale_items"  # per shop: the SKUs whose stock items the catalogue saw change


def mark_stale(ctx: FlowContext, skus: Iterable[str]) -> None:
    """Add ``skus`` to the shop's stale set (the stock sweep reads them again)."""
    wanted = set(skus)
    if not wanted:
        return
    key = f"{STALE}:{ctx.shop.name}"
    with ctx.uow.begin() as tx:
        known = _skus(tx.cursor(key))
        if not wanted <= known:
            tx.set_cursor(key, json.dumps(sorted(known | wanted)))


def refresh(ctx: FlowContext, shopify: ShopifyInventoryPort) -> tuple[set[str], set[str]]:
    """Read the stale SKUs' stock items again and keep them; returns the SKUs to recompute (those the
    push knew) and every stale SKU handled (to :func:`forget` once the push went through).

    A SKU now on two variants, or on none, keeps its stored item (as when the push first meets one).
    """
    shop = ctx.shop.name
    with ctx.uow.begin() as tx:
        stale = _skus(tx.cursor(f"{STALE}:{shop}"))
        known = set(tx.stock_items(shop, sorted(stale))) if stale else set()
    if not known:
        return set(), stale
    found: dict[str, list[StockItem]] = {}
    for item in shopify.stock_items(sorted(known)):
        found.setdefault(item.sku, []).append(item)
    single = [variants[0] for variants in found.values() if len(variants) == 1]
    with ctx.uow.begin() as tx:
        tx.save_stock_items(shop, single)
    return known, stale


def forget(ctx: FlowContext, handled: set[str]) -> None:
    """Drop the SKUs a finished stock sweep handled (the catalogue may have added others meanwhile)."""
    if not handled:
        return
    key = f"{STALE}:{ctx.shop.name}"
    with ctx.uow.begin() as tx:
        left = _skus(tx.cursor(key)) - handled
        tx.set_cursor(key, json.dumps(sorted(left)))


def _skus(text: str | None) -> set[str]:
    return set(json.loads(text)) if text else set()
