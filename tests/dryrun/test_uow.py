"""The dry-run unit of work: nothing a dry run stores may stop the live run from really writing."""

from __future__ import annotations

import inspect

from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.dryrun import DRY_RUN_PREFIX
from shopbridge.dryrun.uow import CURSOR_PREFIX, PASS_THROUGH, DryRunTransaction, DryRunUnitOfWork
from shopbridge.engine.clock import Clock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.ports.store import Transaction

SAVES = ("save_", "record_", "mark_", "keep_", "link(", "set_", "drop_", "replace_")


def test_every_method_of_the_transaction_port_is_decided() -> None:
    declared = [n for n, v in vars(Transaction).items() if inspect.isfunction(v) and not n.startswith("_")]
    for name in declared:
        written = name in vars(DryRunTransaction)
        assert written or name in PASS_THROUGH, f"the dry run does not say what {name} does"
        assert not (written and name in PASS_THROUGH), f"{name} is both passed and written out"
    writes_passed = sorted(n for n in PASS_THROUGH if f"{n}(".startswith(SAVES))
    # The writes a dry run may keep: what it read or decided in shopbridge, never what it wrote out.
    assert writes_passed == [
        "replace_duplicate_skus",
        "replace_pending",
        "replace_sku_index",  # the SKU index: what the catalogue sweep read from Shopify
        "save_reconcile_report",
        "save_stock_items",
    ]


def test_a_dry_run_post_leaves_no_link_or_posted_sync_and_its_trail_says_dry_run(
    sqlite_store: Store, fake_clock: Clock
) -> None:
    live = StoreUnitOfWork(sqlite_store, fake_clock)
    dry = DryRunUnitOfWork(live)
    posted = OrderSync(
        "uk", "gid://shopify/Order/1", "#1001", SyncStatus.POSTED, erp_id=f"{DRY_RUN_PREFIX}order:#1001"
    )
    with dry.begin() as tx:
        tx.save_order_sync(posted)
        tx.link("order", "uk", "gid://shopify/Order/1", posted.erp_id, posted.erp_id)
        tx.add_trail("uk", "gid://shopify/Order/1", "posted", {"erp_id": posted.erp_id})
        tx.set_cursor("erp.dispatches", "42")
    with live.begin() as tx:
        assert tx.order_sync("uk", "gid://shopify/Order/1") is None  # the live run will post it
        assert tx.find_link("order", "uk", "gid://shopify/Order/1") is None
        assert tx.cursor("erp.dispatches") is None  # the live watermark did not move
        assert tx.cursor(CURSOR_PREFIX + "erp.dispatches") == "42"
    with dry.begin() as tx:
        assert tx.cursor("erp.dispatches") == "42"  # the dry run continues from its own


def test_real_facts_found_in_a_dry_run_are_kept(sqlite_store: Store, fake_clock: Clock) -> None:
    live = StoreUnitOfWork(sqlite_store, fake_clock)
    found = OrderSync(
        "uk", "gid://shopify/Order/2", "#1002", SyncStatus.POSTED, erp_id="77", erp_number="SO77"
    )
    with DryRunUnitOfWork(live).begin() as tx:
        tx.save_order_sync(found)  # the retailer's own process posted it: true in the live run too
        tx.link("order", "uk", found.order_id, "77", "SO77")
        tx.record_pushed("uk", "gid://shopify/Location/1", "gid://shopify/InventoryItem/1", "SKU-1", 5)
        tx.mark_activated("uk", "gid://shopify/Location/1", "gid://shopify/InventoryItem/1")
    with live.begin() as tx:
        assert tx.find_link("order", "uk", found.order_id) == ("77", "SO77")
        assert tx.last_pushed("uk", "gid://shopify/Location/1", ["gid://shopify/InventoryItem/1"]) == {}
        assert tx.activated("uk", "gid://shopify/Location/1", ["gid://shopify/InventoryItem/1"]) == set()
