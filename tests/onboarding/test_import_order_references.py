"""``import orders`` finds a store's ERP orders by its ``order_reference_prefix`` and the order name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.records import Customer, SalesOrderLine, SalesOrderRequest
from shopbridge.engine import links
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.onboarding.order_import import ORDER_ENTITY, link_orders
from shopbridge.ports.shopify import OrderHeader

ORDER = OrderHeader(
    "gid://shopify/Order/902", "#1001", datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00Z"
)


def erp_holding(*references: str) -> MemoryErp:
    erp = MemoryErp()
    erp.add_item("MUG", price=Decimal("10.00"))
    account = erp.find_or_create_customer(Customer(email="ann@example.com")).account
    line = SalesOrderLine("MUG", 1, Money.of("10.00", "GBP"), Money.of("2.00", "GBP"))
    for reference in references:
        erp.create_sales_order(SalesOrderRequest(reference, account, "GBP", date(2026, 1, 1), (line,)))
    return erp


def test_the_store_s_order_is_linked_by_its_prefixed_reference(
    sqlite_store: Store, fake_clock: FakeClock
) -> None:
    erp = erp_holding("UK-#1001", "EU-#1001")
    report = link_orders(
        "eu", [ORDER], erp, StoreUnitOfWork(sqlite_store, fake_clock), reference_prefix="EU-"
    )
    assert (report.linked, report.missing) == (1, [])
    eu_order = erp.find_sales_order("EU-#1001")
    with sqlite_store.begin() as conn:
        found = links.find(conn, entity_type=ORDER_ENTITY, shop="eu", shopify_id=ORDER.shopify_id)
    assert eu_order is not None and found is not None and found.erp_id == eu_order.erp_id


def test_another_store_s_bare_1001_is_not_this_store_s_order(
    sqlite_store: Store, fake_clock: FakeClock
) -> None:
    erp = erp_holding("#1001")  # the first store's, posted before prefixes
    report = link_orders(
        "eu", [ORDER], erp, StoreUnitOfWork(sqlite_store, fake_clock), reference_prefix="EU-"
    )
    assert (report.linked, report.missing) == (0, [ORDER])
