"""The stock sweep reads new pending orders in one batched read where the Shopify port offers it
(``ShopifyPendingOrderReads``), and pends exactly what one whole order read per order pends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from flows.stock_fakes import LOC1, LOC2, BatchedInventory, FakeInventory
from flows.test_stock_flow import SKUS, Harness, make_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.records import Order, OrderLine
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.ports.shopify import ShopifyPendingOrderReads

D = Decimal


def _harness(store: Store, clock: FakeClock, shopify: FakeInventory) -> Harness:
    erp = MemoryErp()
    for sku in SKUS:
        erp.add_item(sku)
        erp.set_stock(sku, "MAIN", D(50))
        erp.set_stock(sku, "NORTH", D(20))
        shopify.add_variant(sku)
    shopify.add_variant("KIT")
    return Harness(store, clock, erp, shopify, make_settings())


def _waiting(harness: Harness, number: int, *lines: OrderLine, location: str = "") -> str:
    order_id = f"gid://shopify/Order/{number}"
    harness.shopify.orders[order_id] = Order(
        shopify_id=order_id,
        name=f"#{number}",
        currency="GBP",
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
        lines=lines,
        location_id=location,
    )
    with harness.context().uow.begin() as tx:
        sync = OrderSync(shop="uk", order_id=order_id, name=f"#{number}", status=SyncStatus.WAITING)
        tx.save_order_sync(sync)
    return order_id


def _line(sku: str, quantity: int, *, gift: bool = False, location: str = "") -> OrderLine:
    return OrderLine(f"l-{sku}", sku, quantity, Money.of("5", "GBP"), location_id=location, is_gift_card=gift)


@pytest.mark.parametrize("fake", [FakeInventory, BatchedInventory], ids=["order-by-order", "batched"])
def test_a_backlog_of_pending_orders_comes_off_the_same_either_way(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch, fake: type[FakeInventory]
) -> None:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    harness = _harness(sqlite_store, fake_clock, fake())
    harness.sweep()
    for n in range(40):  # a peak's backlog: 40 orders of one TEE-M each, half at each location
        _waiting(harness, 100 + n, _line("TEE-M", 1), location=LOC2 if n % 2 else LOC1)
    _waiting(harness, 200, _line("MUG-01", 3, location=LOC2), _line("GIFT-50", 1, gift=True))
    _waiting(harness, 201, _line("KIT", 2), _line("TEE-S", 0))  # a line edited to nothing
    gone = _waiting(harness, 202, _line("BOTTLE-01", 4))
    del harness.shopify.orders[gone]  # Shopify no longer has it: nothing pends
    harness.sweep()
    assert (harness.shopify.held("TEE-M", LOC1), harness.shopify.held("TEE-M", LOC2)) == (30, 0)
    assert harness.shopify.held("MUG-01", LOC2) == 17
    assert harness.shopify.held("MUG-01", LOC1) == 46  # the KIT's two mugs a kit
    assert harness.shopify.held("TEE-S", LOC1) == 48
    assert harness.shopify.held("BOTTLE-01", LOC1) == 50
    harness.sweep()  # the same orders: their lines stored, not read again
    if isinstance(harness.shopify, BatchedInventory):
        assert isinstance(harness.shopify, ShopifyPendingOrderReads)
        # One read for the 43 new orders; the one Shopify lacks left no lines stored, so the next
        # sweep asks for it again (as the order-by-order path does).
        assert harness.shopify.batches == [harness.shopify.batches[0], [gone]]
        assert len(harness.shopify.batches[0]) == 43
        assert harness.shopify.whole_reads == []
