"""The SKU index in the store (``catalogue_skus``): every Shopify variant's SKU and product, per shop."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa

from shopbridge.domain.sku_index import IndexedVariant, duplicates
from shopbridge.engine.schema import catalogue_skus

__all__ = ["duplicate_rows", "products_with_skus", "replace", "update"]

_CHUNK = 500  # ids per IN (...): well under every backend's bound-parameter limit


def replace(conn: sa.Connection, shop: str, rows: Sequence[IndexedVariant], *, now: datetime) -> None:
    """The whole index of ``shop`` becomes ``rows`` (a whole-catalogue read)."""
    conn.execute(sa.delete(catalogue_skus).where(catalogue_skus.c.shop == shop))
    _insert(conn, shop, rows, now=now)


def update(
    conn: sa.Connection,
    shop: str,
    product_ids: Collection[str],
    rows: Sequence[IndexedVariant],
    *,
    now: datetime,
) -> None:
    """Forget every row of ``product_ids`` (read again, or gone from Shopify) and index ``rows``."""
    ids = sorted(set(product_ids) | {row.product_id for row in rows})
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        conn.execute(
            sa.delete(catalogue_skus).where(
                catalogue_skus.c.shop == shop, catalogue_skus.c.product_id.in_(chunk)
            )
        )
    _insert(conn, shop, rows, now=now)


def _insert(conn: sa.Connection, shop: str, rows: Sequence[IndexedVariant], *, now: datetime) -> None:
    unique = {row.variant_id: row for row in rows}  # a variant read twice in one walk is one row
    if unique:
        conn.execute(
            sa.insert(catalogue_skus),
            [
                {
                    "shop": shop,
                    "variant_id": row.variant_id,
                    "sku": row.sku,
                    "product_id": row.product_id,
                    "title": row.title,
                    "indexed_at": now,
                }
                for row in unique.values()
            ],
        )


def duplicate_rows(conn: sa.Connection, shop: str) -> dict[str, tuple[IndexedVariant, ...]]:
    """SKU -> its variants, for each SKU the index holds on more than one variant."""
    counted = (
        sa.select(catalogue_skus.c.sku)
        .where(catalogue_skus.c.shop == shop, catalogue_skus.c.sku != "")
        .group_by(catalogue_skus.c.sku)
        .having(sa.func.count() > 1)
    )
    rows = conn.execute(
        sa.select(catalogue_skus)
        .where(catalogue_skus.c.shop == shop, catalogue_skus.c.sku.in_(counted))
        .order_by(catalogue_skus.c.sku, catalogue_skus.c.variant_id)
    ).all()
    return duplicates(IndexedVariant(row.variant_id, row.sku, row.product_id, row.title) for row in rows)


def products_with_skus(conn: sa.Connection, shop: str, skus: Collection[str]) -> set[str]:
    """The product GIDs of the indexed variants carrying one of ``skus``."""
    wanted = sorted(set(skus))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            conn.execute(
                sa.select(catalogue_skus.c.product_id).where(
                    catalogue_skus.c.shop == shop, catalogue_skus.c.sku.in_(chunk)
                )
            ).scalars()
        )
    return found
