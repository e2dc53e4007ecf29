"""The ERP contract for change feeds: items, stock, dispatches, price lists; cursors and pagination.

A feed is read to its end (``has_more`` false) and the cursor stored, as a sweep does. Reading again
from that cursor must return each later change exactly once, and then nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from contract_support import order_request, read_to_end
from harness import STANDARD_ITEMS, ErpHarness

from shopbridge.domain.records import ItemStatus
from shopbridge.ports.erp import Capability, ErpPort

STANDARD_SKUS = {sku for sku, *_ in STANDARD_ITEMS}


def test_check_reports_reachable_and_authenticated(erp: ErpPort) -> None:
    health = erp.check()
    assert (health.vendor, health.reachable, health.authenticated) == (erp.vendor, True, True)


def test_get_items_returns_known_skus_and_leaves_out_missing_ones(erp: ErpPort) -> None:
    found = erp.get_items(["MUG-WHITE", "CAP-BLACK", "NOT-A-SKU"])
    assert set(found) == {"MUG-WHITE", "CAP-BLACK"}
    assert found["MUG-WHITE"].status == ItemStatus.ACTIVE
    assert found["MUG-WHITE"].unit_price is not None
    assert found["MUG-WHITE"].unit_price.amount == Decimal("8.00")


def test_the_item_feed_starts_with_the_whole_catalogue(erp: ErpPort) -> None:
    items, _cursor, _pages = read_to_end(erp.items_changed, None)
    assert {item.sku for item in items} >= STANDARD_SKUS


def test_a_deactivated_item_shows_as_inactive(erp: ErpPort, harness: ErpHarness) -> None:
    _items, cursor, _pages = read_to_end(erp.items_changed, None)
    harness.set_item_active("TSHIRT-BLU-L", False)
    changed, _cursor, _pages = read_to_end(erp.items_changed, cursor)
    assert [(i.sku, i.status) for i in changed] == [("TSHIRT-BLU-L", ItemStatus.INACTIVE)]
    assert erp.get_items(["TSHIRT-BLU-L"])["TSHIRT-BLU-L"].status == ItemStatus.INACTIVE


def test_item_pages_end_and_show_every_item_once(erp: ErpPort, harness: ErpHarness) -> None:
    added = {f"PAGE-{n:02d}" for n in range(13)}
    for sku in sorted(added):
        harness.add_item(sku, price=Decimal("3.00"))
    items, _cursor, pages = read_to_end(erp.items_changed, None, limit=4)
    skus = [item.sku for item in items]
    assert len(skus) == len(set(skus)), "an item came twice in one read"
    assert added | STANDARD_SKUS <= set(skus)
    assert pages >= 5


def test_the_stock_feed_returns_a_change_once_then_nothing(erp: ErpPort, harness: ErpHarness) -> None:
    levels, cursor, _pages = read_to_end(erp.stock_changed, None)
    mug = next(level for level in levels if level.sku == "MUG-WHITE")
    assert mug.free == Decimal(100)
    harness.set_stock("MUG-WHITE", mug.warehouse, Decimal(37))
    changed, cursor, _pages = read_to_end(erp.stock_changed, cursor)
    assert [(s.sku, s.warehouse, s.free) for s in changed] == [("MUG-WHITE", mug.warehouse, Decimal(37))]
    again, _cursor, _pages = read_to_end(erp.stock_changed, cursor)
    assert again == []


def test_an_item_change_is_returned_once_then_nothing(erp: ErpPort, harness: ErpHarness) -> None:
    _items, cursor, _pages = read_to_end(erp.items_changed, None)
    harness.add_item("NEW-ARRIVAL", price=Decimal("4.50"))
    changed, cursor, _pages = read_to_end(erp.items_changed, cursor)
    assert [i.sku for i in changed] == ["NEW-ARRIVAL"]
    again, _cursor, _pages = read_to_end(erp.items_changed, cursor)
    assert again == []


def test_a_dispatch_carries_carrier_tracking_and_the_order_reference(
    erp: ErpPort, harness: ErpHarness, account: str
) -> None:
    _before, cursor, _pages = read_to_end(erp.dispatches_since, None)
    erp.create_sales_order(order_request("#C2001", account, ("TSHIRT-RED-M", 2)))
    harness.dispatch("#C2001", carrier="Royal Mail", tracking="RM123456785GB")
    dispatches, cursor, _pages = read_to_end(erp.dispatches_since, cursor)
    assert [d.order_reference for d in dispatches] == ["#C2001"]
    sent = dispatches[0]
    assert (sent.carrier, sent.tracking_numbers) == ("Royal Mail", ("RM123456785GB",))
    assert [(ln.sku, ln.quantity) for ln in sent.lines] == [("TSHIRT-RED-M", 2)]
    again, _cursor, _pages = read_to_end(erp.dispatches_since, cursor)
    assert again == []


def test_price_lists_carry_prices_in_their_currency(erp: ErpPort) -> None:
    if Capability.READ_PRICE_LISTS not in erp.capabilities:
        pytest.skip("refusal is tested in test_contract.py")
    lists = erp.price_lists()
    assert lists, "the standard catalogue seeds at least one price list"
    assert all(p.price.currency == pl.currency for pl in lists for p in pl.prices)


def test_stock_pages_end_and_show_each_level_once(erp: ErpPort) -> None:
    levels, _cursor, _pages = read_to_end(erp.stock_changed, None, limit=2)
    keys = [(level.sku, level.warehouse) for level in levels]
    assert len(keys) == len(set(keys)), "a stock level came twice in one first read"
    assert {sku for sku, _warehouse in keys} >= STANDARD_SKUS
