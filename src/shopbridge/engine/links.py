"""Links between a Shopify record and its ERP counterpart (id and human reference)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import links
from shopbridge.engine.sql import PerDialect, dialect_insert

__all__ = ["Link", "find", "link"]


@dataclass(frozen=True)
class Link:
    entity_type: str
    shop: str
    shopify_id: str
    erp_id: str
    erp_reference: str
    version: int
    created_at: datetime
    updated_at: datetime


def link(
    conn: sa.Connection,
    *,
    entity_type: str,
    shop: str,
    shopify_id: str,
    erp_id: str,
    erp_reference: str = "",
    now: datetime,
) -> None:
    """Record that ``shopify_id`` is ``erp_id`` in the ERP; re-linking updates and bumps ``version``.

    A different Shopify record already linked to ``erp_id`` (same type and shop) violates the
    unique constraint and raises ``sqlalchemy.exc.IntegrityError``: two Shopify records must not
    share one ERP document.
    """
    values = {
        "entity_type": entity_type,
        "shop": shop,
        "shopify_id": shopify_id,
        "erp_id": erp_id,
        "erp_reference": erp_reference,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(_LINK(conn), values)


def _build_link(dialect: str) -> Any:
    """Insert, or on a re-link take the new ERP side and bump the version: built once per dialect."""
    stmt = dialect_insert(dialect, links)
    return stmt.on_conflict_do_update(
        index_elements=[links.c.entity_type, links.c.shop, links.c.shopify_id],
        set_={
            "erp_id": stmt.excluded.erp_id,
            "erp_reference": stmt.excluded.erp_reference,
            "version": links.c.version + 1,
            "updated_at": stmt.excluded.updated_at,
        },
    )


_LINK = PerDialect(_build_link)


def find(
    conn: sa.Connection,
    *,
    entity_type: str,
    shop: str = "",
    shopify_id: str | None = None,
    erp_id: str | None = None,
) -> Link | None:
    """The link for a Shopify id or an ERP id (give exactly one), or None."""
    if (shopify_id is None) == (erp_id is None):
        raise ValueError("find a link by shopify_id or by erp_id, not both or neither")
    query = sa.select(links).where(links.c.entity_type == entity_type, links.c.shop == shop)
    if shopify_id is not None:
        query = query.where(links.c.shopify_id == shopify_id)
    else:
        query = query.where(links.c.erp_id == erp_id)
    row = conn.execute(query).first()
    return None if row is None else _link(row)


def _link(row: sa.Row[Any]) -> Link:
    m = dict(row._mapping)
    m.pop("id")
    return Link(**m)
