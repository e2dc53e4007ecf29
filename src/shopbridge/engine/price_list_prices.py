"""The fixed prices last pushed to each Shopify price list (per shop, price list and variant).

The B2B price lists flow diffs the ERP's prices against these, so it sends only what changed
(docs/architecture.md invariant 7). A row is written only after Shopify accepted the call that
carried it, so a crash between the two re-sends that batch: adding a fixed price twice is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from shopbridge.domain.price_lists import FixedPrice
from shopbridge.engine.schema import price_list_prices
from shopbridge.engine.sql import upsert_insert

__all__ = ["pushed_prices", "record"]

_T = price_list_prices


def pushed_prices(conn: sa.Connection, shop: str, price_list_id: str) -> dict[str, FixedPrice]:
    rows = conn.execute(sa.select(_T).where(_T.c.shop == shop, _T.c.price_list_id == price_list_id))
    return {
        row.variant_id: FixedPrice(
            row.variant_id,
            row.sku,
            Decimal(row.amount),
            None if row.compare_at is None else Decimal(row.compare_at),
        )
        for row in rows
    }


def record(
    conn: sa.Connection,
    shop: str,
    price_list_id: str,
    upserts: Sequence[FixedPrice],
    deletes: Sequence[str],
    *,
    now: datetime,
) -> None:
    """Upsert the prices sent and delete the rows of the variants whose fixed price was removed."""
    for price in upserts:
        values = {
            "sku": price.sku,
            "amount": str(price.amount),
            "compare_at": None if price.compare_at is None else str(price.compare_at),
            "pushed_at": now,
        }
        stmt = upsert_insert(conn, _T).values(
            shop=shop, price_list_id=price_list_id, variant_id=price.variant_id, **values
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_T.c.shop, _T.c.price_list_id, _T.c.variant_id], set_=values
            )
        )
    if deletes:
        conn.execute(
            _T.delete().where(
                _T.c.shop == shop, _T.c.price_list_id == price_list_id, _T.c.variant_id.in_(list(deletes))
            )
        )
