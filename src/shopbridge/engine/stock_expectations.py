"""Reading stock snapshots as the audit's expected values, many levels per query.

A separate module from ``snapshots.py`` (which the stock push writes): the audit only reads, by
(location, inventory item) pairs in chunks, so one query serves a few hundred levels of a bulk read.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from shopbridge.domain.stock_audit import ExpectedLevel, LevelKey
from shopbridge.engine.schema import stock_snapshots

__all__ = ["expected_levels"]

_T = stock_snapshots
CHUNK = 400  # pairs per query: two bound parameters each, under SQLite's default limit of 999+


def expected_levels(
    conn: sa.Connection, shop: str, keys: Sequence[LevelKey]
) -> dict[LevelKey, ExpectedLevel]:
    """The snapshot of each (location id, inventory item id) in ``keys`` that has one."""
    wanted = sorted(set(keys))
    found: dict[LevelKey, ExpectedLevel] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update(_chunk(conn, shop, wanted[start : start + CHUNK]))
    return found


def _chunk(conn: sa.Connection, shop: str, keys: Sequence[LevelKey]) -> dict[LevelKey, ExpectedLevel]:
    pair = sa.tuple_(_T.c.location_id, _T.c.inventory_item_id)
    query = sa.select(_T.c.location_id, _T.c.inventory_item_id, _T.c.quantity, _T.c.sku).where(
        _T.c.shop == shop, pair.in_(list(keys))
    )
    return {
        (str(location), str(item)): ExpectedLevel(int(quantity), str(sku or ""))
        for location, item, quantity, sku in conn.execute(query)
    }
