"""The day's orders compared while Shopify's refunds are still being read (``ready``): the orders
without refunds are handed over as soon as they are read and compared then (their syncs and ERP
orders read in one batch), refunded ones as their refunds come in, the rest after the read. The
report equals the one of a day compared whole after every read, on a day with refunds, edits, orders
that no longer qualify, an order for a person, one missing from the ERP, one at two rates and one
that never qualified."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.orders import map_order
from shopbridge.domain.reconciliation import DayReport
from shopbridge.domain.records import (
    CreditNote,
    CreditNoteLine,
    Customer,
    FinancialStatus,
    Order,
    OrderLine,
    Refund,
    RefundTotal,
    TaxLine,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.flows import daily_reconciliation as flow
from shopbridge.flows import reconcile_facts as facts
from shopbridge.flows.order_settings import rules_for
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import HeldOrder
from shopbridge.ports.shopify import RefundedOrder, ShopifyBulkDayRefunds, ShopifyDayRead

from .test_daily_reconciliation import QuietShopify, _paid_order_with_shipping, context

DAY = date(2025, 12, 31)
AT = datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
_REFUNDED = (FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.REFUNDED)


def _order(number: int, **changes: object) -> Order:
    base = _paid_order_with_shipping()
    return replace(base, shopify_id=f"gid://shopify/Order/{number}", name=f"#{1000 + number}", **changes)  # type: ignore[arg-type]


def _edited() -> tuple[OrderLine, ...]:
    """3 mugs taxed 6.00, edited down to 2: Shopify keeps the tax lines at the quantity first ordered."""
    (line,) = _paid_order_with_shipping().lines
    return (
        replace(
            line, ordered_quantity=3, tax_lines=(TaxLine("VAT", Decimal("0.2"), Money.of("6.00", "GBP")),)
        ),
    )


def _two_rates() -> tuple[OrderLine, ...]:
    (mug,) = _paid_order_with_shipping().lines
    book = OrderLine("gid://shopify/LineItem/9", "BOOK", 1, Money.of("8.00", "GBP"), title="Book")
    book = replace(book, tax_lines=(TaxLine("VAT", Decimal("0"), Money.of("0.00", "GBP")),))
    return (mug, book)


# (order, its sync, what the ERP holds: "as mapped", "9.00" a unit price the ERP differs by, "" nothing)
DAY_ORDERS: list[tuple[Order, SyncStatus | None, str]] = [
    (_order(1), SyncStatus.POSTED, "as mapped"),
    (_order(2), SyncStatus.POSTED, "9.00"),
    (_order(3, lines=_edited()), SyncStatus.POSTED, "as mapped"),
    # posted, then edited to a balance due: no longer qualifies, still the ERP's to hold
    (_order(4, financial_status=FinancialStatus.PARTIALLY_PAID), SyncStatus.POSTED, "9.00"),
    (_order(5, financial_status=FinancialStatus.PARTIALLY_PAID), SyncStatus.MANUAL, "9.00"),
    (_order(6, financial_status=FinancialStatus.PENDING), None, ""),  # never qualified
    (_order(7, financial_status=FinancialStatus.PARTIALLY_REFUNDED), SyncStatus.POSTED, "as mapped"),
    (_order(8), None, ""),  # qualifies, never posted: missing
    (_order(9, lines=_two_rates()), SyncStatus.POSTED, "as mapped"),
    (_order(10, financial_status=FinancialStatus.REFUNDED), SyncStatus.POSTED, "9.00"),
]
REFUNDS = {
    "gid://shopify/Order/7": (
        Refund("R7", "gid://shopify/Order/7", "#1007", AT, "GBP", total=Money.of("10.00", "GBP")),
    ),
    "gid://shopify/Order/10": (
        Refund("R10", "gid://shopify/Order/10", "#1010", AT, "GBP", total=Money.of("5.00", "GBP")),
    ),
}


class DayShopify(QuietShopify):
    """The day read as the Shopify client reads it: orders, refunded orders and their refunds together;
    ``hand_over``: the orders without refunds given to ``ready`` before the refunds are in."""

    def __init__(self, hand_over: bool) -> None:
        self.hand_over = hand_over
        self.events: list[str] = []

    def orders_and_refunds_created_in_bulk(
        self,
        start: datetime,
        end: datetime,
        refunded_since: datetime | None,
        *,
        ready: Callable[[list[Order]], None] | None = None,
    ) -> ShopifyDayRead:
        orders = [order for order, _sync, _erp in DAY_ORDERS]
        if ready is not None and self.hand_over:  # #1010's refunds are the last in: left to the read
            self.events.append("handed over")
            ready([o for o in orders if o.financial_status not in _REFUNDED])
            self.events.append("refunds of #1007 read")
            ready([o for o in orders if o.name == "#1007"])
        self.events.append("refunds read")
        refunded = tuple(RefundedOrder(order_id, AT) for order_id in REFUNDS)
        totals = {o: tuple(map(RefundTotal.of, refunds)) for o, refunds in REFUNDS.items()}
        return ShopifyDayRead(orders, refunded if refunded_since is not None else (), totals)


def _seed(ctx: FlowContext) -> MemoryErp:
    """The ERP and the syncs as the flows left them: a credit note of 9.00 for each refund."""
    erp = ctx.erp
    assert isinstance(erp, MemoryErp)
    erp.add_item("MUG", price=Decimal("10.00"))
    erp.add_item("BOOK", price=Decimal("8.00"))
    account = erp.find_or_create_customer(Customer(email="ann@example.com")).account
    rules = rules_for(ctx.settings, ctx.shop)
    with ctx.uow.begin() as tx:
        for order, sync, held in DAY_ORDERS:
            if sync is not None:
                tx.save_order_sync(OrderSync("uk", order.shopify_id, order.name, sync, erp_id=order.name))
            if not held:
                continue
            request = map_order(order, rules, customer_account=account).request
            if held != "as mapped":
                first = replace(request.lines[0], unit_price=Money.of(held, "GBP"))
                request = replace(request, lines=(first, *request.lines[1:]))
            erp.create_sales_order(request)
    line = CreditNoteLine("REFUND", 1, Money.of("9.00", "GBP"), Money(Decimal(0), "GBP"))
    for refunds in REFUNDS.values():
        for refund in refunds:
            erp.create_credit_note(CreditNote(refund.shopify_id, refund.order_name, "GBP", (line,)))
    return erp


def _reconciled(
    store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch, shopify: DayShopify
) -> tuple[DayReport, list[tuple[int, list[str]]]]:
    """The day's report, and each ERP order read: after how many of Shopify's events, which references."""
    ctx = context(store, fake_clock, shopify, monkeypatch)
    erp = _seed(ctx)
    reads: list[tuple[int, list[str]]] = []
    inner = erp.orders_held

    def orders_held(references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        reads.append((len(shopify.events), sorted(references)))
        return inner(references)

    monkeypatch.setattr(erp, "orders_held", orders_held)
    return flow.reconcile_day(ctx, DAY), reads


def test_the_orders_without_refunds_are_compared_before_the_refunds_are_in_and_the_report_is_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_store: Store,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = DayShopify(hand_over=False)
    assert isinstance(whole, ShopifyBulkDayRefunds)
    sequential, whole_reads = _reconciled(sqlite_store, fake_clock, monkeypatch, whole)
    assert whole.events == ["refunds read"]
    assert whole_reads == [
        (1, ["#1001", "#1002", "#1003", "#1004", "#1005", "#1007", "#1008", "#1009", "#1010"])
    ]
    other = Store.connect(f"sqlite:///{tmp_path_factory.mktemp('pipelined') / 'shopbridge.db'}")
    try:
        other.migrate()
        pipelined = DayShopify(hand_over=True)
        report, reads = _reconciled(other, fake_clock, monkeypatch, pipelined)
    finally:
        other.close()
    assert pipelined.events == ["handed over", "refunds of #1007 read", "refunds read"]
    # a batch of the orders without refunds while the refunds were read (the order that never
    # qualified not asked), the refunded order whose refunds were in, then the one left to the read
    assert reads == [
        (1, ["#1001", "#1002", "#1003", "#1004", "#1005", "#1008", "#1009"]),
        (2, ["#1007"]),
        (3, ["#1010"]),
    ]
    assert report.as_dict() == sequential.as_dict()
    # a day that finds things: the equality is not that of two empty reports
    found = {(m.checkpoint, m.key, m.what) for m in report.mismatches}
    assert {("orders", "order:#1002", "different"), ("orders", "order:#1004", "different")} <= found
    assert {("orders", "order:#1010", "different"), ("orders", "order:#1008", "missing")} <= found
    assert {m.key for m in report.mismatches if m.checkpoint == "refunds"} == {"refund:R7", "refund:R10"}
    checked = {c.name: c.checked for c in report.checkpoints}
    assert (checked["orders"], checked["refunds"]) == (9, 2)


def test_orders_compared_in_any_groups_give_the_facts_of_the_whole_day(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = context(sqlite_store, fake_clock, DayShopify(hand_over=False), monkeypatch)
    _seed(ctx)
    orders = [order for order, _sync, _erp in DAY_ORDERS]
    whole = facts.order_facts(ctx, orders)
    assert whole is not None and whole.erp_tax is not None
    assert len(whole.expected) == 9 and len(whole.found) == 8
    assert len(whole.shopify_tax) == 2  # GB at 20% and at 0%: the two-rate order compared by line
    for groups in (
        [orders[5:], orders[:5]],
        [orders[::2], orders[1::2], orders],
        [[o] for o in reversed(orders)],
    ):
        comparison = facts.OrderComparison(ctx)
        for group in groups:
            comparison.add(group)
        assert comparison.facts(orders) == whole
