"""Many orders' sync statuses in a few reads: the daily reconciliation asks for a whole day's.

One ``order_sync`` read per order was 50,000 round trips for a 50,000-order day; here the ids go in
chunks of ``IN (...)`` lists, each well under SQLite's bound-parameter limit (999 in old builds).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from shopbridge.domain.order_sync import SyncStatus
from shopbridge.engine.schema import order_syncs

__all__ = ["CHUNK", "sync_statuses"]

CHUNK = 500  # order ids per IN (...)


def sync_statuses(conn: sa.Connection, shop: str, order_ids: Sequence[str]) -> dict[str, SyncStatus]:
    """Each stored order's status, by order id; ids with no sync record are absent."""
    wanted = sorted(set(order_ids))
    found: dict[str, SyncStatus] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = conn.execute(
            sa.select(order_syncs.c.order_id, order_syncs.c.status).where(
                order_syncs.c.shop == shop, order_syncs.c.order_id.in_(chunk)
            )
        )
        found.update((order_id, SyncStatus(status)) for order_id, status in rows)
    return found
