"""The SKU index: every Shopify variant's SKU and product, kept by shopbridge between catalogue sweeps.

Finding duplicate SKUs needs every SKU in the store, but reading the whole catalogue on every sweep
costs the whole catalogue each time. So the first sweep reads everything and fills the index; later
sweeps read only the products that changed (and the few they must look at again) and replace those
products' rows. Duplicates are then found from the index (:func:`duplicates`). A periodic whole read
replaces the index outright and so heals any drift (a change the incremental reads missed).

Everything here is a function of records (docs/architecture.md invariant 6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shopbridge.domain.catalogue import CatalogueProduct

__all__ = ["IndexedVariant", "duplicates", "index_rows", "needs_full_read", "rows_by_sku"]


@dataclass(frozen=True)
class IndexedVariant:
    """One variant as the index keeps it: its SKU ("" when it has none), product and product title."""

    variant_id: str
    sku: str
    product_id: str
    title: str = ""


def index_rows(products: Iterable[CatalogueProduct]) -> list[IndexedVariant]:
    """The index rows of ``products``: one per variant, SKUs as the sweep reads them."""
    return [IndexedVariant(v.variant_id, v.sku, p.product_id, p.title) for p in products for v in p.variants]


def rows_by_sku(rows: Iterable[IndexedVariant]) -> dict[str, list[IndexedVariant]]:
    found: dict[str, list[IndexedVariant]] = {}
    for row in rows:
        if row.sku:
            found.setdefault(row.sku, []).append(row)
    return found


def duplicates(rows: Iterable[IndexedVariant]) -> dict[str, tuple[IndexedVariant, ...]]:
    """SKU -> the variants carrying it, for every SKU on more than one variant (sorted by SKU)."""
    return {sku: tuple(found) for sku, found in sorted(rows_by_sku(rows).items()) if len(found) > 1}


def needs_full_read(
    now: datetime, last_full: datetime | None, changed_since: datetime | None, every: timedelta
) -> bool:
    """Read the whole catalogue when the index was never filled, or its last whole read is ``every``
    old (``every`` zero: always)."""
    if last_full is None or changed_since is None or every <= timedelta(0):
        return True
    return now - last_full >= every
