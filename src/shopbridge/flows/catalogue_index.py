"""Which products a catalogue sweep reads: the whole catalogue now and then, otherwise what changed.

Duplicate SKUs need every SKU in the store, so shopbridge keeps a SKU index (``domain/sku_index.py``):
a whole read fills it, and each sweep between whole reads reads only

* the products Shopify updated since the last sweep began (less ``[catalogue] change_overlap``, for
  clock skew): ``products(query: "updated_at:>='…'")``, then each of them whole;
* the products whose SKUs changed in the ERP since then (the ERP's item feed), so an item made
  inactive still withdraws its product and an ERP-owned field still reaches Shopify;
* the products shopbridge gated (waiting for the ERP), whole: their verdict may change with the ERP.

The products in a duplicate set that none of that read are only checked for existence
(``nodes(ids:)``, 250 a call): a deleted duplicate leaves the index and its problem closes within a
sweep. (A duplicate product that changed is among the products Shopify updated.)

Those products' rows replace theirs in the index, then duplicates are found from the index. Every
``[catalogue] full_every`` seconds (and whenever the port cannot read changes) the sweep reads the
whole catalogue again and replaces the index: what the incremental reads missed (a product deleted
outside any duplicate set, a change Shopify's search saw late) heals there.

The cursors move only when the sweep's steps have all succeeded (:func:`finish`): a sweep that fails
half way reads the same changes again.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from shopbridge.domain.catalogue import CatalogueProduct
from shopbridge.domain.sku_index import index_rows, needs_full_read
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.shopify import ShopifyCatalogueChanges

__all__ = ["CHANGED", "ERP_FEED", "FULL", "CatalogueRead", "finish", "read"]

CHANGED = "catalogue.changed_since"  # when the last finished sweep began (ISO 8601)
FULL = "catalogue.full_read"  # when the last finished whole read began
ERP_FEED = "catalogue.erp_items"  # the ERP item feed's cursor, as of the last finished sweep
FEED_PAGE = 200


@dataclass(frozen=True)
class CatalogueRead:
    """What one sweep read: the products to gate, check and push; whether it was the whole catalogue."""

    products: list[CatalogueProduct]
    whole: bool
    started: datetime
    erp_cursor: str | None
    gone: frozenset[str] = frozenset()  # products asked for that Shopify no longer has


def read(ctx: FlowContext) -> CatalogueRead:
    """Read the whole catalogue or only what changed, and bring the SKU index up to date with it."""
    started = ctx.clock.now()
    shop = ctx.shop.name
    with ctx.uow.begin() as tx:
        since = _time(tx.cursor(f"{CHANGED}:{shop}"))
        last_full = _time(tx.cursor(f"{FULL}:{shop}"))
        feed_cursor = tx.cursor(f"{ERP_FEED}:{shop}")
    erp_changed, erp_cursor = _erp_changes(ctx, feed_cursor)
    every = timedelta(seconds=ctx.settings.catalogue.full_every)
    shopify = ctx.shopify
    if not isinstance(shopify, ShopifyCatalogueChanges) or needs_full_read(started, last_full, since, every):
        return _read_whole(ctx, started, erp_cursor)
    assert since is not None
    products, gone = _read_changes(ctx, shopify, since, erp_changed)
    return CatalogueRead(products, whole=False, started=started, erp_cursor=erp_cursor, gone=gone)


def finish(ctx: FlowContext, done: CatalogueRead) -> None:
    """The sweep succeeded: the next one reads changes from when this one began."""
    shop = ctx.shop.name
    with ctx.uow.begin() as tx:
        tx.set_cursor(f"{CHANGED}:{shop}", done.started.isoformat())
        if done.whole:
            tx.set_cursor(f"{FULL}:{shop}", done.started.isoformat())
        if done.erp_cursor is not None:
            tx.set_cursor(f"{ERP_FEED}:{shop}", done.erp_cursor)


def _read_changes(
    ctx: FlowContext, shopify: ShopifyCatalogueChanges, since: datetime, erp_changed: Set[str]
) -> tuple[list[CatalogueProduct], frozenset[str]]:
    """The products to look at, read whole, and those Shopify no longer has; the index follows both."""
    overlap = timedelta(seconds=ctx.settings.catalogue.change_overlap)
    changed = set(shopify.products_updated_since(since - overlap))
    wanted = sorted(changed | _to_read_again(ctx, erp_changed))
    products = shopify.catalogue_products(wanted, page_size=ctx.settings.catalogue.page_size)
    gone = set(wanted) - {p.product_id for p in products}
    to_check = sorted(_duplicate_products(ctx) - set(wanted))
    if to_check:
        gone |= set(to_check) - shopify.existing_products(to_check)
    with ctx.uow.begin() as tx:
        tx.update_sku_index(ctx.shop.name, sorted(set(wanted) | gone), index_rows(products))
    return products, frozenset(gone)


def _read_whole(ctx: FlowContext, started: datetime, erp_cursor: str | None) -> CatalogueRead:
    products = ctx.shopify.catalogue(page_size=ctx.settings.catalogue.page_size)
    with ctx.uow.begin() as tx:
        tx.replace_sku_index(ctx.shop.name, index_rows(products))
    return CatalogueRead(products, whole=True, started=started, erp_cursor=erp_cursor)


def _to_read_again(ctx: FlowContext, erp_changed: Set[str]) -> set[str]:
    """Products Shopify did not change that the sweep must read anyway: those carrying a SKU the ERP
    changed (or a bundle of one), and those shopbridge gated."""
    skus = set(erp_changed) | _bundles_of(ctx.settings.bundles, erp_changed)
    shop = ctx.shop.name
    with ctx.uow.begin() as tx:
        found = tx.sku_index_products(shop, sorted(skus)) if skus else set()
        found |= set(tx.catalogue_gates(shop))
    return found


def _duplicate_products(ctx: FlowContext) -> set[str]:
    with ctx.uow.begin() as tx:
        rows = tx.sku_index_duplicates(ctx.shop.name)
    return {row.product_id for variants in rows.values() for row in variants}


def _bundles_of(bundles: Mapping[str, Mapping[str, int]], skus: Set[str]) -> set[str]:
    return {bundle for bundle, parts in bundles.items() if skus & parts.keys()}


def _erp_changes(ctx: FlowContext, cursor: str | None) -> tuple[set[str], str | None]:
    """The SKUs the ERP's item feed reports since ``cursor``, and the feed's cursor after them."""
    changed: set[str] = set()
    while True:
        page = ctx.erp.items_changed(cursor, limit=FEED_PAGE)
        changed.update(item.sku for item in page.items)
        cursor = page.next_cursor or cursor
        if not page.has_more:
            return changed, cursor


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)
