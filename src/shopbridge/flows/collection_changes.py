"""Products moved into or out of a collection without an update: found on the catalogue's whole read.

Adding a product to a custom collection (``collectionAddProducts``) leaves its ``updatedAt`` alone,
so the incremental catalogue sweep never reads it and its stock items keep their old collection
handles (a buffer rule on the collection would never apply). On each whole read (the first sweep, then
every ``[catalogue] full_every``) the sweep reads every product's handles in one bulk operation,
compares them with those stored on the stock items of the product's SKUs, and marks stale only the
SKUs whose handles differ (``stock_item_refresh.mark_stale``): the next stock sweep reads those again.

A Shopify port without the bulk read (not a ``ShopifyCollectionBulkReads``) is skipped: its custom
collection moves are picked up only when the product is next updated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shopbridge.domain.catalogue import CatalogueProduct
from shopbridge.domain.stock import StockItem
from shopbridge.flows import stock_item_refresh
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.shopify import ShopifyCollectionBulkReads

__all__ = ["mark_moved", "moved_skus"]


def mark_moved(ctx: FlowContext, products: Iterable[CatalogueProduct]) -> None:
    """Mark stale the SKUs of ``products`` (a whole read) whose collections changed in Shopify."""
    shopify = ctx.shopify
    if not isinstance(shopify, ShopifyCollectionBulkReads):
        return
    skus_of = {p.product_id: tuple(p.skus) for p in products}
    wanted = sorted({sku for skus in skus_of.values() for sku in skus})
    if not wanted:
        return
    with ctx.uow.begin() as tx:
        stored = tx.stock_items(ctx.shop.name, wanted)
    if not stored:  # the stock push has met none of them yet: it reads them when it does
        return
    stock_item_refresh.mark_stale(ctx, moved_skus(skus_of, shopify.collection_handles_in_bulk(), stored))


def moved_skus(
    skus_of: Mapping[str, Iterable[str]],
    handles: Mapping[str, tuple[str, ...]],
    stored: Mapping[str, StockItem],
) -> set[str]:
    """The stored SKUs whose product's handles in Shopify differ from the stored ones.

    A product the bulk read did not list (created after it began) is left to the next read."""
    moved: set[str] = set()
    for product_id, skus in skus_of.items():
        if product_id not in handles:
            continue
        now = tuple(sorted(handles[product_id]))
        moved.update(s for s in skus if s in stored and tuple(sorted(stored[s].collections)) != now)
    return moved
