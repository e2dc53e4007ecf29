"""The daily reconciliation's flow with fakes: the scheduled run takes the day before, a side that
cannot answer makes its checkpoints "not checkable" (never a pass), and the stock audit's latest
drift is the stock checkpoint."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.orders import map_order
from shopbridge.domain.reconciliation import CheckpointResult, DayReport, Verdict, not_checkable
from shopbridge.domain.records import (
    Address,
    Customer,
    FinancialStatus,
    Order,
    OrderLine,
    Payout,
    Refund,
    SalesOrderRequest,
    ShippingLine,
    TaxLine,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import FLOWS
from shopbridge.flows import daily_reconciliation as flow
from shopbridge.flows.order_settings import rules_for
from shopbridge.flows.spec import FlowContext
from shopbridge.flows.stock_audit import latest_cursor
from shopbridge.ports.erp import ErpReconcileReads
from shopbridge.ports.shopify import RefundedOrder, ShopifyReconcileReads


class QuietShopify:
    """A Shopify store with nothing on the day, and no way to list the day's orders."""

    def order(self, order_id: str) -> Order | None:
        return None

    def payouts(self, issued_since: date | None) -> list[Payout]:
        return []

    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        return ()

    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        return ()


class ListingShopify(QuietShopify):
    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []

    def orders_created_between(self, start: datetime, end: datetime) -> tuple[str, ...]:
        self.asked.append((start, end))
        return ()


def context(store: Store, clock: FakeClock, shopify: Any, monkeypatch: pytest.MonkeyPatch) -> FlowContext:
    monkeypatch.setenv("RECONCILE_TOKEN", "x")
    settings = parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "uk.myshopify.com",
                    "access_token": {"env": "RECONCILE_TOKEN"},
                    "webhook_secrets": [{"env": "RECONCILE_TOKEN"}],
                }
            ]
        }
    )
    return FlowContext(
        erp=MemoryErp(),
        shopify=shopify,
        uow=StoreUnitOfWork(store, clock),
        clock=clock,
        settings=settings,
        shop=settings.shops[0],
    )


def test_it_is_a_daily_sweep_listed_with_the_flows() -> None:
    assert flow.FLOW in FLOWS
    assert (flow.FLOW.kind, flow.FLOW.schedule, flow.FLOW.switch) == (
        "sweep.reconcile",
        "reconcile",
        "reconcile",
    )


def test_the_scheduled_run_reconciles_the_day_before_and_keeps_it(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shopify = ListingShopify()
    assert isinstance(shopify, ShopifyReconcileReads)
    ctx = context(sqlite_store, fake_clock, shopify, monkeypatch)
    job = Job(1, flow.KIND, None, {}, 1, None, "uk", None, fake_clock.now(), JobState.RUNNING)
    flow.handle(job, ctx)
    (start, end) = shopify.asked[0]
    assert (start.isoformat(), end.isoformat()) == ("2025-12-31T00:00:00+00:00", "2026-01-01T00:00:00+00:00")
    gate = flow.parity(ctx.uow, "uk", 1)
    assert [d.day for d in gate.days] == ["2025-12-31"]
    # no stock audit has run: not a pass
    assert dict(gate.days[0].verdicts) == {
        "orders": "pass",
        "refunds": "pass",
        "fulfilments": "pass",
        "payouts": "pass",
        "tax": "pass",
        "stock": "not_checkable",
    }
    assert not gate.confirmed


def test_a_shopify_port_that_cannot_list_the_day_leaves_orders_and_tax_unchecked(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = flow.reconcile_day(
        context(sqlite_store, fake_clock, QuietShopify(), monkeypatch), date(2025, 12, 31)
    )
    assert report.verdicts()["orders"] == "not_checkable" and report.verdicts()["tax"] == "not_checkable"
    assert not report.passed


class ErpWithoutReads:
    """An ERP port that cannot read its orders and credit notes back (no ``ErpReconcileReads``)."""

    def __init__(self) -> None:
        self._erp = MemoryErp()
        self.vendor, self.field_limits = "blind", self._erp.field_limits

    def __getattr__(self, name: str) -> Any:
        if name in ("orders_held", "credit_notes_held"):
            raise AttributeError(name)
        return getattr(self._erp, name)


def test_an_erp_that_cannot_read_back_leaves_orders_refunds_and_tax_unchecked(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = replace(context(sqlite_store, fake_clock, ListingShopify(), monkeypatch), erp=ErpWithoutReads())
    assert not isinstance(ctx.erp, ErpReconcileReads) and isinstance(MemoryErp(), ErpReconcileReads)
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    verdicts = report.verdicts()
    assert {name: verdicts[name] for name in ("orders", "refunds", "tax")} == dict.fromkeys(
        ("orders", "refunds", "tax"), "not_checkable"
    )
    assert "blind" in {c.name: c.note for c in report.checkpoints}["refunds"]


@pytest.mark.parametrize(("drift", "verdict", "problems"), [("0", "pass", 0), ("4", "fail", 1)])
def test_the_latest_stock_audit_is_the_stock_checkpoint(
    sqlite_store: Store,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    drift: str,
    verdict: str,
    problems: int,
) -> None:
    ctx = context(sqlite_store, fake_clock, ListingShopify(), monkeypatch)
    with ctx.uow.begin() as tx:
        tx.set_cursor(latest_cursor("uk"), drift)
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    assert report.verdicts()["stock"] == verdict
    stock = [m for m in report.mismatches if m.checkpoint == "stock"]
    assert len(stock) == problems


class OneOrderShopify(ListingShopify):
    """A Shopify store whose day holds one paid order with taxed shipping."""

    def __init__(self, order: Order) -> None:
        super().__init__()
        self.sold = order

    def orders_created_between(self, start: datetime, end: datetime) -> tuple[str, ...]:
        return (self.sold.shopify_id,)

    def order(self, order_id: str) -> Order | None:
        return self.sold if order_id == self.sold.shopify_id else None


def _mapped_in_erp(ctx: FlowContext, order: Order) -> tuple[MemoryErp, SalesOrderRequest]:
    """The context's memory ERP selling the order's mug to its customer, and the order mapped as the
    order flow posts it (not yet posted: each test plants its own ERP side)."""
    erp = ctx.erp
    assert isinstance(erp, MemoryErp)
    erp.add_item("MUG", price=Decimal("10.00"))
    account = erp.find_or_create_customer(Customer(email="ann@example.com")).account
    return erp, map_order(order, rules_for(ctx.settings, ctx.shop), customer_account=account).request


def _paid_order_with_shipping() -> Order:
    gbp = "GBP"
    line = OrderLine(
        "gid://shopify/LineItem/1",
        "MUG",
        2,
        Money.of("12.00", gbp),
        title="Mug",
        tax_lines=(TaxLine("VAT", Decimal("0.2"), Money.of("4.00", gbp)),),
    )
    shipping = ShippingLine(
        "Standard", Money.of("4.80", gbp), tax_lines=(TaxLine("VAT", Decimal("0.2"), Money.of("0.80", gbp)),)
    )
    home = Address("1 High Street", city="Leeds", postcode="LS1 1AA", country_code="GB", name="Ann Lee")
    return Order(
        "gid://shopify/Order/1",
        "#1001",
        gbp,
        datetime(2025, 12, 31, 9, 0, tzinfo=UTC),
        (line,),
        shipping_address=home,
        taxes_included=True,
        shipping_lines=(shipping,),
        financial_status=FinancialStatus.PAID,
    )


@pytest.mark.parametrize(
    ("plant", "found"),
    [
        pytest.param("none", [], id="the order as posted agrees, shipping included"),
        pytest.param("duplicate", [("order:#1001", "duplicated")], id="a second ERP order is a duplicate"),
        pytest.param(
            "no-shipping", [("order:#1001", "different")], id="an ERP order without shipping differs"
        ),
    ],
)
def test_the_orders_checkpoint_counts_erp_orders_and_compares_shipping(
    sqlite_store: Store,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    plant: str,
    found: list[tuple[str, str]],
) -> None:
    order = _paid_order_with_shipping()
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    erp, request = _mapped_in_erp(ctx, order)
    assert request.shipping == Money.of("4.00", "GBP")  # the mapping carries shipping, net
    erp.create_sales_order(
        replace(request, shipping=None, shipping_tax=None) if plant == "no-shipping" else request
    )
    if plant == "duplicate":
        erp.duplicate_order("#1001")
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    orders = {c.name: c for c in report.checkpoints}["orders"]
    assert orders.checked == 1
    assert [(m.key, m.what) for m in orders.mismatches] == found


def test_a_rerun_of_the_day_closes_the_mismatches_that_no_longer_hold(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reconciled while the order was still in the queue, the day finds it missing; reconciled again
    once it is posted, that problem closes (and one still true would stay open)."""
    order = _paid_order_with_shipping()
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    erp = ctx.erp
    assert isinstance(erp, MemoryErp)
    erp.add_item("MUG", price=Decimal("10.00"))
    first = flow.reconcile_day(ctx, date(2025, 12, 31))
    assert [(m.key, m.what) for m in first.mismatches] == [("order:#1001", "missing")]
    assert _open_reconciliation_problems(sqlite_store) == ["order:#1001"]

    account = erp.find_or_create_customer(Customer(email="ann@example.com")).account
    erp.create_sales_order(
        map_order(order, rules_for(ctx.settings, ctx.shop), customer_account=account).request
    )
    again = flow.reconcile_day(ctx, date(2025, 12, 31))
    assert again.mismatches == ()
    assert _open_reconciliation_problems(sqlite_store) == []


def test_a_checkpoint_not_checkable_on_the_rerun_closes_nothing() -> None:
    before = {("refunds", "refund:gid://shopify/Refund/1"), ("tax", "tax:GB:0.2")}
    checked = (not_checkable("refunds", "no read"), CheckpointResult("tax", Verdict.PASS, 3))
    assert flow.agreed_since(before, DayReport("uk", "2025-12-31", checked)) == []


def _open_reconciliation_problems(store: Store) -> list[str]:
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(problems.c.entity_id).where(
                problems.c.entity_type == flow.ENTITY, problems.c.status == "open"
            )
        )
        return sorted(r.entity_id for r in rows)


def test_an_order_at_one_rate_compares_its_whole_tax_so_a_rounding_line_is_not_a_tax_mismatch(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tryton rounds VAT over the document and shopbridge adds a rounding line to keep Shopify's: the
    goods lines then carry a penny less than Shopify's and the order's total tax is still equal."""
    order = _paid_order_with_shipping()
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    erp, request = _mapped_in_erp(ctx, order)
    (line,) = request.lines
    penny = Money.of("0.01", "GBP")
    assert request.shipping_tax is not None
    erp.create_sales_order(
        replace(
            request, lines=(replace(line, tax=line.tax - penny),), shipping_tax=request.shipping_tax + penny
        )
    )
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    assert {c.name: c.verdict for c in report.checkpoints}["tax"] is Verdict.PASS
    assert report.mismatches == ()


def test_a_line_an_edit_reduced_is_taxed_at_its_sold_quantity(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shopify keeps an edited line's tax lines at the quantity first ordered: 3 mugs taxed 6.00,
    edited down to 2 before the cut-off, are 4.00 of tax in Shopify's current figures and in the ERP."""
    order = _paid_order_with_shipping()
    (line,) = order.lines
    edited = replace(
        line, ordered_quantity=3, tax_lines=(TaxLine("VAT", Decimal("0.2"), Money.of("6.00", "GBP")),)
    )
    order = replace(order, lines=(edited,))
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    erp, request = _mapped_in_erp(ctx, order)
    assert request.lines[0].tax == Money.of("4.00", "GBP")
    erp.create_sales_order(request)
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    assert {c.name: c.verdict for c in report.checkpoints}["tax"] is Verdict.PASS
    assert report.mismatches == ()


@pytest.mark.parametrize(
    ("status", "erp_unit", "verdict", "note"),
    [
        pytest.param(SyncStatus.POSTED, "", Verdict.PASS, "", id="posted and amended: compared, equal"),
        pytest.param(SyncStatus.POSTED, "9.00", Verdict.FAIL, "", id="posted, not amended: different"),
        pytest.param(
            SyncStatus.MANUAL, "9.00", Verdict.PASS, "#1001", id="after the cut-off: counted, noted"
        ),
    ],
)
def test_an_order_posted_then_edited_to_a_balance_due_is_still_reconciled(
    sqlite_store: Store,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    status: SyncStatus,
    erp_unit: str,
    verdict: Verdict,
    note: str,
) -> None:
    """An edit that adds a line leaves a balance due: Shopify says partially paid, the order no longer
    qualifies, and the ERP still holds it. It is checked like any posted order, unless a person
    carries the change (after the cut-off), when only its ERP order is counted."""
    order = replace(_paid_order_with_shipping(), financial_status=FinancialStatus.PARTIALLY_PAID)
    ctx = context(sqlite_store, fake_clock, OneOrderShopify(order), monkeypatch)
    erp, request = _mapped_in_erp(ctx, order)
    (line,) = request.lines
    unit = Money.of(erp_unit, "GBP") if erp_unit else line.unit_price
    erp.create_sales_order(replace(request, lines=(replace(line, unit_price=unit),)))
    with ctx.uow.begin() as tx:
        tx.save_order_sync(OrderSync("uk", order.shopify_id, order.name, status, erp_id="SO1"))
    report = flow.reconcile_day(ctx, date(2025, 12, 31))
    orders = {c.name: c for c in report.checkpoints}["orders"]
    assert (orders.checked, orders.verdict) == (1, verdict)
    assert note in orders.note
