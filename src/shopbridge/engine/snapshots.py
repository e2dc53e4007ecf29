"""Stock snapshots: the last quantity pushed to Shopify per (shop, location, inventory item).

The stock flow compares against these so it sends only what changed (docs/architecture.md invariant 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from shopbridge.engine.schema import stock_snapshots
from shopbridge.engine.sql import upsert_insert

__all__ = ["last_pushed", "record_pushed"]

_T = stock_snapshots


def record_pushed(
    conn: sa.Connection,
    *,
    shop: str,
    location_id: str,
    inventory_item_id: str,
    quantity: int,
    sku: str = "",
    now: datetime,
) -> None:
    """Remember that ``quantity`` was pushed for this item at this location (insert or overwrite)."""
    stmt = upsert_insert(conn, _T).values(
        shop=shop,
        location_id=location_id,
        inventory_item_id=inventory_item_id,
        sku=sku,
        quantity=quantity,
        pushed_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[_T.c.shop, _T.c.location_id, _T.c.inventory_item_id],
        set_={"quantity": quantity, "sku": sku, "pushed_at": now},
    )
    conn.execute(stmt)


def last_pushed(
    conn: sa.Connection, *, shop: str, location_id: str, inventory_item_ids: Iterable[str]
) -> dict[str, int]:
    """The last pushed quantity per inventory item id at one location (items never pushed are absent)."""
    ids = sorted(set(inventory_item_ids))
    if not ids:
        return {}
    query = sa.select(_T.c.inventory_item_id, _T.c.quantity).where(
        _T.c.shop == shop, _T.c.location_id == location_id, _T.c.inventory_item_id.in_(ids)
    )
    return {str(item): int(quantity) for item, quantity in conn.execute(query)}
