"""A whole day's order sync statuses in one port call (the daily reconciliation's read)."""

from __future__ import annotations

from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.engine.clock import Clock
from shopbridge.engine.order_statuses import CHUNK
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork

STATUSES = (SyncStatus.POSTED, SyncStatus.MANUAL, SyncStatus.QUARANTINED)


def _gid(n: int) -> str:
    return f"gid://shopify/Order/{n}"


def test_statuses_of_more_orders_than_one_in_list_holds_come_back_each_with_its_own(
    store: Store, fake_clock: Clock
) -> None:
    uow = StoreUnitOfWork(store, fake_clock)
    stored = 2 * CHUNK + 7  # three IN (...) chunks: SQLite refuses too many bound parameters in one
    with uow.begin() as tx:
        for n in range(stored):
            tx.save_order_sync(OrderSync("uk", _gid(n), f"#{n}", STATUSES[n % 3]))
        tx.save_order_sync(OrderSync("eu", _gid(stored + 1), "#other", SyncStatus.POSTED))
    asked = [_gid(n) for n in range(stored + 5)] + [_gid(3)]  # five never seen, one asked twice
    with uow.begin() as tx:
        found = tx.order_sync_statuses("uk", asked)
        one_by_one = {g: s.status for g in asked if (s := tx.order_sync("uk", g)) is not None}
    assert found == one_by_one
    assert len(found) == stored
    assert found[_gid(1)] is SyncStatus.MANUAL and found[_gid(2)] is SyncStatus.QUARANTINED
    with uow.begin() as tx:
        assert tx.order_sync_statuses("uk", []) == {}
        assert tx.order_sync_statuses("eu", [_gid(stored + 1), _gid(0)]) == {
            _gid(stored + 1): SyncStatus.POSTED
        }
