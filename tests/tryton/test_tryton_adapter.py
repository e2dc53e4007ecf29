"""What the Tryton adapter does beyond the shared contract: kits, price lists, taxes and shipping on
the sale, forecast stock, new parties, and Tryton's refusals. One real server for the module (the
tests use distinct references and SKUs, so they do not disturb each other)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import TrytonErp
from shopbridge.domain.money import Money
from shopbridge.domain.records import BundleComponent, Customer, JournalLine
from shopbridge.errors import NeedsPerson
from shopbridge.ports.erp import Capability

pytestmark = pytest.mark.tryton


def _sale(erp: TrytonErp, reference: str) -> dict[str, Any]:
    rows = erp.look.search_read(
        "sale.sale", [("reference", "=", reference)], ["total_amount", "tax_amount", "lines", "state"]
    )
    assert len(rows) == 1
    return rows[0]


def test_a_kit_is_read_with_its_components(erp: TrytonErp) -> None:
    kit = erp.get_items(["GIFT-SET"])["GIFT-SET"]
    assert kit.is_kit
    assert sorted(kit.components, key=lambda c: c.sku) == [
        BundleComponent("CAP-BLACK", 1),
        BundleComponent("MUG-WHITE", 1),
    ]


def test_fixed_prices_of_a_price_list_are_read(erp: TrytonErp) -> None:
    trade = {pl.code: pl for pl in erp.price_lists()}["Trade"]
    prices = {p.sku: p.price for p in trade.prices}
    assert prices["MUG-WHITE"] == Money(Decimal("7.20"), "GBP")
    assert trade.currency == "GBP"


def test_an_order_keeps_shopifys_tax_and_shipping(erp: TrytonErp, account: str, support: ModuleType) -> None:
    order = support.order_request("#T9001", account, ("TSHIRT-RED-M", 2))
    order = replace(order, shipping=Money(Decimal("4.95"), "GBP"), shipping_tax=Money(Decimal("0.99"), "GBP"))
    erp.create_sales_order(order)
    sale = _sale(erp, "#T9001")
    assert (sale["state"], sale["tax_amount"], sale["total_amount"]) == (
        "processing",
        Decimal("5.99"),
        Decimal("35.94"),
    )
    found = erp.find_sales_order("#T9001")
    assert found is not None and [(ln.sku, ln.quantity) for ln in found.lines] == [("TSHIRT-RED-M", 2)]


def test_a_confirmed_order_lowers_free_stock_before_it_ships(
    erp: TrytonErp, account: str, support: ModuleType
) -> None:
    _levels, cursor, _pages = support.read_to_end(erp.stock_changed, None)
    erp.create_sales_order(support.order_request("#T9002", account, ("TSHIRT-BLU-L", 5)))
    changed, _cursor, _pages = support.read_to_end(erp.stock_changed, cursor)
    blue = [level for level in changed if level.sku == "TSHIRT-BLU-L"]
    assert [(b.free, b.on_hand) for b in blue] == [(Decimal(20), Decimal(25))]


def test_a_new_customer_becomes_a_party_that_can_order(erp: TrytonErp, support: ModuleType) -> None:
    match = erp.find_or_create_customer(
        Customer(email="fresh@example.com", first_name="Fay", last_name="Fresh")
    )
    posted = erp.create_sales_order(support.order_request("#T9003", match.account, ("MUG-WHITE", 1)))
    assert match.created and not posted.existed


def test_a_payout_to_an_unknown_account_code_names_it(erp: TrytonErp, support: ModuleType) -> None:
    entry = support.payout("PAYOUT-BAD")
    bad = JournalLine("9999", "nowhere", debit=Money(Decimal("1.00"), "GBP"))
    fix = JournalLine("1100", "balance", credit=Money(Decimal("1.00"), "GBP"))
    with pytest.raises(NeedsPerson, match="9999"):
        erp.post_payout(replace(entry, lines=(*entry.lines, bad, fix)))


def test_an_order_for_an_archived_item_needs_a_person(
    started: tuple[Any, TrytonErp], account: str, support: ModuleType
) -> None:
    harness, erp = started
    harness.add_item("OLD-STOCK", active=False)
    with pytest.raises(NeedsPerson, match="OLD-STOCK"):
        erp.create_sales_order(support.order_request("#T9004", account, ("OLD-STOCK", 1)))
    assert harness.count_sales_orders("#T9004") == 0


def test_a_shipped_sale_cannot_be_cancelled(
    started: tuple[Any, TrytonErp], account: str, support: ModuleType
) -> None:
    harness, erp = started
    erp.create_sales_order(support.order_request("#T9005", account, ("MUG-WHITE", 1)))
    harness.dispatch("#T9005", carrier="DPD", tracking="15501234")
    with pytest.raises(NeedsPerson, match="already shipped"):
        erp.cancel_sales_order("#T9005")


def test_a_cancelled_order_frees_its_stock_again(erp: TrytonErp, account: str, support: ModuleType) -> None:
    before = {s.sku: s.free for s in support.read_to_end(erp.stock_changed, None)[0]}
    erp.create_sales_order(support.order_request("#T9006", account, ("TSHIRT-RED-M", 3)))
    erp.cancel_sales_order("#T9006", "fraud check")
    after = {s.sku: s.free for s in support.read_to_end(erp.stock_changed, None)[0]}
    assert after["TSHIRT-RED-M"] == before["TSHIRT-RED-M"]
    found = erp.find_sales_order("#T9006")
    assert found is not None and found.status.value == "cancelled"


def test_the_seeded_tryton_offers_amendments_and_credit_checks(erp: TrytonErp) -> None:
    health = erp.check()
    assert {Capability.AMEND_SALES_ORDER, Capability.CREDIT_LIMIT_CHECK} <= health.capabilities
    assert "not activated" not in health.detail
