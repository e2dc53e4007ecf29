"""Reading stock snapshots as the audit's expected values, many levels per query.

A separate module from ``snapshots.py`` (which the stock push writes): the audit only reads, by
(location, inventory item) pairs in chunks, so one query serves a few hundred levels of a bulk read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from shopbridge.domain.stock_audit import ExpectedLevel, LevelKey
from shopbridge.engine.schema import stock_snapshots

__all__ = ["expected_levels"]

_T = stock_snapshots
CHUNK = 500  # item ids per query (bound parameters stay well under SQLite's limit)


def expected_levels(
    conn: sa.Connection, shop: str, keys: Sequence[LevelKey]
) -> dict[LevelKey, ExpectedLevel]:
    """The snapshot of each (location id, inventory item id) in ``keys`` that has one.

    Queried per location with the items in an IN list: (shop, location_id, inventory_item_id) is
    the primary key, so each query is an index lookup (a row-value IN over both columns is not, on
    SQLite, and scans the table).
    """
    by_location: dict[str, set[str]] = defaultdict(set)
    for location, item in keys:
        by_location[location].add(item)
    found: dict[LevelKey, ExpectedLevel] = {}
    for location, items in by_location.items():
        wanted = sorted(items)
        for start in range(0, len(wanted), CHUNK):
            found.update(_chunk(conn, shop, location, wanted[start : start + CHUNK]))
    return found


def _chunk(
    conn: sa.Connection, shop: str, location: str, items: Sequence[str]
) -> dict[LevelKey, ExpectedLevel]:
    query = sa.select(_T.c.inventory_item_id, _T.c.quantity, _T.c.sku).where(
        _T.c.shop == shop, _T.c.location_id == location, _T.c.inventory_item_id.in_(items)
    )
    return {
        (location, str(item)): ExpectedLevel(int(quantity), str(sku or ""))
        for item, quantity, sku in conn.execute(query)
    }
