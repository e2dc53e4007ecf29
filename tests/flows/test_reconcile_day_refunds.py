"""The day's refunds read with the day's orders (``ShopifyBulkDayRefunds``): the refunds checkpoint
uses the refunds read while Shopify ran the bulk operation, reads none of them again, and reports
exactly what it reports when it reads them itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.reconciliation import DayReport
from shopbridge.domain.records import (
    CreditNote,
    CreditNoteLine,
    FinancialStatus,
    Order,
    Refund,
    RefundLine,
    RefundTotal,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.flows import daily_reconciliation as flow
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import HeldCreditNote
from shopbridge.ports.shopify import RefundedOrder, ShopifyBulkDayRefunds, ShopifyDayRead

from .test_daily_reconciliation import OneOrderShopify, _mapped_in_erp, _paid_order_with_shipping, context

DAY = date(2025, 12, 31)
NEVER_POSTED = "gid://shopify/Order/2"  # refunded too, but shopbridge never put it in the ERP


def _refund(order: Order, value: str, refund_id: str = "gid://shopify/Refund/1") -> Refund:
    at = datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
    return Refund(refund_id, order.shopify_id, order.name, at, "GBP", total=Money.of(value, "GBP"))


class RefundingShopify(OneOrderShopify):
    """The day's one order, refunded that day; its refunds read one order at a time."""

    def __init__(self, order: Order, refunds: dict[str, tuple[Refund, ...]]) -> None:
        super().__init__(order)
        self.refunds = refunds
        self.refund_reads: list[str] = []

    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        at = datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
        return (RefundedOrder(self.sold.shopify_id, at), RefundedOrder(NEVER_POSTED, at))

    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        self.refund_reads.append(order_id)
        return self.refunds.get(order_id, ())


class BulkRefundingShopify(RefundingShopify):
    """The same store read as the Shopify client reads a day: orders, refunded orders and refunds together."""

    def __init__(self, order: Order, refunds: dict[str, tuple[Refund, ...]]) -> None:
        super().__init__(order, refunds)
        self.asked: list[tuple[datetime, datetime, datetime | None]] = []

    def orders_and_refunds_created_in_bulk(
        self,
        start: datetime,
        end: datetime,
        refunded_since: datetime | None,
        *,
        ready: Callable[[list[Order]], None] | None = None,
    ) -> ShopifyDayRead:
        self.asked.append((start, end, refunded_since))
        if ready is not None:  # the day's one order is refunded: none to hand over before its refunds
            ready([])
        refunded = self.refunded_orders_since(refunded_since) if refunded_since is not None else ()
        listed = [*(r.order_id for r in refunded), self.sold.shopify_id]
        read = {o: tuple(map(RefundTotal.of, self.refunds.get(o, ()))) for o in listed}
        return ShopifyDayRead([self.sold], refunded, read)


def _day(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch, shopify: RefundingShopify
) -> tuple[FlowContext, DayReport]:
    """The order posted and its sync saved; a credit note for 9.00 of the 10.00 refunded."""
    ctx = context(sqlite_store, fake_clock, shopify, monkeypatch)
    erp, request = _mapped_in_erp(ctx, shopify.sold)
    erp.create_sales_order(request)
    line = CreditNoteLine("REFUND", 1, Money.of("9.00", "GBP"), Money(Decimal(0), "GBP"))
    erp.create_credit_note(CreditNote("gid://shopify/Refund/1", shopify.sold.name, "GBP", (line,)))
    with ctx.uow.begin() as tx:
        tx.save_order_sync(OrderSync("uk", shopify.sold.shopify_id, "#1001", SyncStatus.POSTED, erp_id="SO1"))
    return ctx, flow.reconcile_day(ctx, DAY)


def test_refunds_read_with_the_day_are_not_read_again_and_the_report_is_the_same(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = replace(_paid_order_with_shipping(), financial_status=FinancialStatus.PARTIALLY_REFUNDED)
    refunds = {order.shopify_id: (_refund(order, "10.00"),), NEVER_POSTED: (_refund(order, "1.00", "R2"),)}
    bulk = BulkRefundingShopify(order, refunds)
    assert isinstance(bulk, ShopifyBulkDayRefunds)
    _ctx, with_day = _day(sqlite_store, fake_clock, monkeypatch, bulk)
    assert bulk.refund_reads == []  # nothing read again after the day
    [(start, end, since)] = bulk.asked  # the refunded orders listed with the day, since it began
    assert (start.isoformat(), end.isoformat()) == ("2025-12-31T00:00:00+00:00", "2026-01-01T00:00:00+00:00")
    assert since == start
    refunds_checkpoint = {c.name: c for c in with_day.checkpoints}["refunds"]
    assert refunds_checkpoint.checked == 1
    assert [m.key for m in refunds_checkpoint.mismatches] == ["refund:gid://shopify/Refund/1"]


def test_the_report_equals_the_one_read_order_by_order(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_store: Store,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = replace(_paid_order_with_shipping(), financial_status=FinancialStatus.PARTIALLY_REFUNDED)
    refunds = {order.shopify_id: (_refund(order, "10.00"),)}
    plain = RefundingShopify(order, refunds)
    assert not isinstance(plain, ShopifyBulkDayRefunds)
    _ctx, one_by_one = _day(sqlite_store, fake_clock, monkeypatch, plain)
    assert plain.refund_reads == [order.shopify_id]
    other = Store.connect(f"sqlite:///{tmp_path_factory.mktemp('bulk') / 'shopbridge.db'}")
    try:
        other.migrate()
        _ctx, with_day = _day(other, fake_clock, monkeypatch, BulkRefundingShopify(order, refunds))
    finally:
        other.close()
    assert with_day.as_dict() == one_by_one.as_dict()


def test_credit_notes_the_erp_gives_net_have_their_refunds_read_whole_for_shopifys_tax(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day's read gives each refund's total only; where the ERP's read of a credit note gives no
    tax (SYSPRO), the checkpoint reads that order's refunds whole and compares net with net: the
    note's 9.00 net against Shopify's 10.00 less its 1.50 tax is a 0.50 mismatch, not a 1.00 one."""
    net_only = MemoryErp.credit_notes_held

    def without_tax(erp: MemoryErp, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        return {ref: replace(note, tax=None) for ref, note in net_only(erp, refunds).items()}

    monkeypatch.setattr(MemoryErp, "credit_notes_held", without_tax)
    order = replace(_paid_order_with_shipping(), financial_status=FinancialStatus.PARTIALLY_REFUNDED)
    taxed = RefundLine("gid://shopify/LineItem/1", "TEE", 1, Money.of("8.50", "GBP"), Money.of("1.50", "GBP"))
    refund = replace(_refund(order, "10.00"), lines=(taxed,))
    bulk = BulkRefundingShopify(order, {order.shopify_id: (refund,)})
    _ctx, day = _day(sqlite_store, fake_clock, monkeypatch, bulk)
    assert bulk.refund_reads == [order.shopify_id]  # read whole once, for its tax
    [mismatch] = {c.name: c for c in day.checkpoints}["refunds"].mismatches
    assert "8.50" in mismatch.message and "9.00" in mismatch.message, mismatch
