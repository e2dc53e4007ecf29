"""The refunds flow on fakes: the in-memory ERP, a Shopify port holding orders and refunds, a real store.

Each test posts the order through the order flow (so the sync record and link are the real ones),
then drives the refunds job and reads the ERP's credit notes, the links, the trail and the problems.
The end-to-end tests (sandboxes over HTTP) are in tests/e2e/test_refund_flow_e2e.py.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.records import (
    CreditNote,
    Customer,
    FinancialStatus,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    RestockType,
    TaxLine,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import jobs, links, problems, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import FLOWS
from shopbridge.flows import order_to_sales_order as orders
from shopbridge.flows import refund_to_credit_note as flow
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import Capability
from shopbridge.ports.shopify import RefundedOrder

ORDER_ID = "gid://shopify/Order/1001"
SHOP_LOCATION = "gid://shopify/Location/1"


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


@dataclass
class FakeShopify:
    orders: dict[str, Order] = field(default_factory=dict)
    refunds: dict[str, list[Refund]] = field(default_factory=dict)
    reads: int = 0

    def order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        pass

    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        self.reads += 1
        return tuple(self.refunds.get(order_id, ()))

    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        return tuple(RefundedOrder(order_id, since) for order_id in self.refunds)


def order_line(sku: str, quantity: int, price: str) -> OrderLine:
    tax = Money.of(Decimal(price) * quantity / 6, "GBP").rounded()  # VAT inside a UK price
    return OrderLine(
        f"gid://shopify/LineItem/{sku}",
        sku,
        quantity,
        gbp(price),
        tax_lines=(TaxLine("VAT", Decimal("0.2"), tax),),
        location_id=SHOP_LOCATION,
    )


def paid_order(**changes: Any) -> Order:
    base = Order(
        shopify_id=ORDER_ID,
        name="#1001",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(order_line("TEE-M", 2, "12.00"), order_line("GIFT-SET", 1, "30.00")),
        customer=Customer(email="ada@example.com", first_name="Ada", shopify_id="gid://shopify/Customer/1"),
        financial_status=FinancialStatus.PARTIALLY_REFUNDED,
        taxes_included=True,
    )
    return replace(base, **changes)


def refund_of(
    number: int,
    *lines: tuple[str, int, str, str],
    total: str,
    restock: RestockType = RestockType.NO_RESTOCK,
    **changes: Any,
) -> Refund:
    base = Refund(
        shopify_id=f"gid://shopify/Refund/{number}",
        order_id=ORDER_ID,
        order_name="#1001",
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
        currency="GBP",
        lines=tuple(
            RefundLine(f"gid://shopify/LineItem/{sku}", sku, qty, gbp(sub), gbp(tax), restock, SHOP_LOCATION)
            for sku, qty, sub, tax in lines
        ),
        total=gbp(total),
        taxes_included=True,
    )
    return replace(base, **changes)


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    erp: MemoryErp
    shopify: FakeShopify
    settings: Settings
    jobs: int = 0

    def context(self) -> FlowContext:
        return FlowContext(
            erp=self.erp,
            shopify=self.shopify,
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=self.settings,
            shop=self.settings.shops[0],
        )

    def _job(self, kind: str, payload: dict[str, Any]) -> Job:
        self.jobs += 1
        return Job(
            id=self.jobs,
            kind=kind,
            entity_key="order:uk:1001",
            payload=payload,
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=None,
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )

    def post_order(self) -> None:
        orders.handle(self._job(orders.KIND, {"order_id": ORDER_ID, "topic": "orders/paid"}), self.context())

    def refunds_job(self, topic: str = "refunds/create") -> None:
        payload = {"shopify_id": ORDER_ID, "topic": topic, "source": "webhook"}
        flow.handle(self._job(flow.KIND, payload), self.context())

    def add_refund(self, refund: Refund) -> None:
        self.shopify.refunds.setdefault(ORDER_ID, []).append(refund)

    def open_problems(self) -> list[tuple[str, str, str]]:
        with self.store.begin() as conn:
            rows = conn.execute(
                sa.select(problems.c.kind, problems.c.team, problems.c.entity_id).where(
                    problems.c.status == "open"
                )
            )
            return [(row.kind, row.team, row.entity_id) for row in rows]

    def problem_details(self, kind: str) -> dict[str, Any]:
        with self.store.begin() as conn:
            row = conn.execute(sa.select(problems.c.details).where(problems.c.kind == kind)).one()
        return dict(row.details)

    def steps(self) -> list[str]:
        with self.store.begin() as conn:
            return [row.step for row in conn.execute(sa.select(trail.c.step).order_by(trail.c.id))]

    def credit_links(self) -> list[str]:
        with self.store.begin() as conn:
            query = sa.select(links.c.shopify_id).where(links.c.entity_type == flow.LINK)
            return [row.shopify_id for row in conn.execute(query)]

    def pending_jobs(self, kind: str) -> list[dict[str, Any]]:
        with self.store.begin() as conn:
            query = sa.select(jobs.c.payload).where(jobs.c.kind == kind, jobs.c.state == "pending")
            return [dict(row.payload) for row in conn.execute(query)]


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    settings = parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "uk.myshopify.com",
                    "access_token": {"env": "FLOW_TOKEN"},
                    "webhook_secrets": [{"env": "FLOW_TOKEN"}],
                    "locations": {"1": "MAIN"},
                    "saleable_return_locations": ["1"],
                }
            ],
            "bundles": {"GIFT-SET": {"MUG-01": 1, "TEE-M": 2}},
        }
    )
    erp = MemoryErp()
    for sku in ("TEE-M", "MUG-01"):
        erp.add_item(sku, price=Decimal("10.00"))
    shopify = FakeShopify(orders={ORDER_ID: paid_order()})
    return Harness(sqlite_store, fake_clock, erp, shopify, settings)


def test_the_flows_are_listed_with_their_topic_and_schedule() -> None:
    kinds = {f.kind: f for f in FLOWS}
    assert kinds[flow.KIND].topics == ("refunds/create",) and kinds[flow.KIND].switch == "refunds"
    assert kinds["sweep.refunds"].schedule == "refunds"


def test_a_partial_refund_becomes_one_credit_note_with_the_refunds_total(harness: Harness) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    notes = harness.erp.credit_notes()
    note = notes["gid://shopify/Refund/1"]
    assert [(ln.sku, ln.quantity, ln.net, ln.tax) for ln in note.lines] == [
        ("TEE-M", 1, gbp("10.00"), gbp("2.00"))
    ]
    assert note.order_reference == "#1001" and note.total == gbp("12.00")
    assert harness.credit_links() == ["gid://shopify/Refund/1"]
    assert "credited" in harness.steps()


def test_redelivery_and_the_sweep_give_one_credit_note(harness: Harness) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    harness.refunds_job()  # the webhook again
    flow.sweep(harness._job(flow.SWEEP_KIND, {}), harness.context())
    sources = sorted(job["source"] for job in harness.pending_jobs(flow.KIND))
    assert sources == ["order_posted", "sweep"]  # the order was refunded when it posted
    harness.refunds_job(topic="order_posted")
    harness.refunds_job(topic="sweep")
    assert harness.erp.count_credit_notes("#1001") == 1
    assert harness.steps().count("credited") == 1


def test_a_link_lost_after_the_erp_made_the_note_finds_the_erps(harness: Harness) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    with harness.store.begin() as conn:  # as if the worker died between the ERP and the commit
        conn.execute(sa.delete(links).where(links.c.entity_type == flow.LINK))
    harness.refunds_job()
    assert harness.erp.count_credit_notes("#1001") == 1
    assert harness.credit_links() == ["gid://shopify/Refund/1"]


def test_several_refunds_on_one_order_each_become_a_credit_note(harness: Harness) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    harness.add_refund(refund_of(2, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.add_refund(refund_of(3, shipping=gbp("4.80"), shipping_tax=gbp("0.80"), total="4.80"))
    harness.refunds_job()
    notes = harness.erp.credit_notes()
    assert sorted(notes) == [f"gid://shopify/Refund/{n}" for n in (1, 2, 3)]
    shipping = notes["gid://shopify/Refund/3"]
    assert (shipping.lines, shipping.shipping, shipping.shipping_tax) == ((), gbp("4.00"), gbp("0.80"))


def test_a_bundle_refund_credits_its_components(harness: Harness) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, ("GIFT-SET", 1, "30.00", "5.00"), total="30.00"))
    harness.refunds_job()
    note = harness.erp.credit_notes()["gid://shopify/Refund/1"]
    assert [(ln.sku, ln.quantity) for ln in note.lines] == [("MUG-01", 1), ("TEE-M", 2)]
    assert note.total == gbp("30.00")


def test_an_appeasement_refund_is_an_adjustment(harness: Harness) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, total="5.00", note="late delivery"))
    harness.refunds_job()
    note = harness.erp.credit_notes()["gid://shopify/Refund/1"]
    assert (note.lines, note.adjustment, note.total) == ((), gbp("5.00"), gbp("5.00"))


def test_a_refund_before_the_order_is_posted_waits_then_follows_the_order(harness: Harness) -> None:
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()  # the refund's webhook arrives first
    assert harness.erp.count_credit_notes("#1001") == 0
    assert harness.steps() == ["refund_waiting"]
    harness.post_order()  # posting a refunded order enqueues its refunds job
    assert harness.pending_jobs(flow.KIND) == [
        {"order_id": ORDER_ID, "source": "order_posted", "topic": "order_posted"}
    ]
    harness.refunds_job(topic="order_posted")
    assert harness.erp.count_credit_notes("#1001") == 1
    steps = harness.steps()
    assert steps.index("posted") < steps.index("credited")


def test_posting_an_order_without_refunds_asks_for_nothing(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(financial_status=FinancialStatus.PAID)
    harness.post_order()
    assert harness.pending_jobs(flow.KIND) == []


def test_a_refund_of_a_skipped_order_is_not_credited(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(test=True)
    harness.post_order()
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    assert harness.erp.count_credit_notes("#1001") == 0
    assert harness.steps()[-1] == "refund_not_credited"


def test_a_refund_of_a_line_the_erp_order_lacks_is_a_problem_and_nothing_else_is_lost(
    harness: Harness,
) -> None:
    harness.post_order()
    harness.add_refund(refund_of(1, ("HAT-01", 1, "6.00", "1.00"), total="6.00"))
    harness.add_refund(refund_of(2, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    assert harness.open_problems() == [("refund_unmappable", "finance", "gid://shopify/Refund/1")]
    assert list(harness.erp.credit_notes()) == ["gid://shopify/Refund/2"]
    harness.refunds_job()  # still refused, still one problem (counted), never a credit note
    assert len(harness.open_problems()) == 1 and list(harness.erp.credit_notes()) == [
        "gid://shopify/Refund/2"
    ]


@pytest.mark.parametrize(
    "without",
    [
        frozenset(),
        # RETURN_ORDER alone is a credit-note path that restocks: the one document returns the goods
        # into their warehouse and credits the customer, so no restock task and no manual note.
        frozenset({Capability.CREDIT_NOTE, Capability.CREDIT_NOTE_RESTOCK}),
    ],
    ids=["credit_note_restock", "return_order"],
)
def test_restock_on_an_erp_that_restocks_moves_the_stock(
    harness: Harness, without: frozenset[Capability]
) -> None:
    harness.erp.enabled = harness.erp.enabled - without
    harness.erp.set_stock("TEE-M", harness.erp.warehouse, Decimal(10))
    harness.post_order()
    before = harness.erp._stock[("TEE-M", harness.erp.warehouse)].level.free
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00", restock=RestockType.RETURN))
    harness.refunds_job()
    note = harness.erp.credit_notes()["gid://shopify/Refund/1"]
    assert [(ln.sku, ln.restock, ln.warehouse) for ln in note.lines] == [("TEE-M", True, "MAIN")]
    assert note.total == gbp("12.00")
    assert harness.erp._stock[("TEE-M", harness.erp.warehouse)].level.free == before + 1
    assert harness.open_problems() == []


def test_restock_on_an_erp_that_cannot_is_a_task_for_operations(harness: Harness) -> None:
    harness.erp.enabled = harness.erp.enabled - {Capability.CREDIT_NOTE_RESTOCK, Capability.RETURN_ORDER}
    harness.post_order()
    harness.add_refund(
        refund_of(1, ("GIFT-SET", 1, "30.00", "5.00"), total="30.00", restock=RestockType.RETURN)
    )
    harness.refunds_job()
    assert harness.erp.count_credit_notes("#1001") == 1
    assert harness.open_problems() == [("restock_task", "operations", "gid://shopify/Refund/1")]
    rows = harness.problem_details("restock_task")["rows"]
    assert rows == [
        {"sku": "MUG-01", "quantity": 1, "warehouse": "MAIN"},
        {"sku": "TEE-M", "quantity": 2, "warehouse": "MAIN"},
    ]
    harness.refunds_job()  # once
    assert len(harness.open_problems()) == 1


def test_an_erp_without_a_credit_note_path_gets_finance_one_problem_with_the_figures(
    harness: Harness,
) -> None:
    harness.erp.enabled = harness.erp.enabled - {Capability.CREDIT_NOTE, Capability.RETURN_ORDER}
    harness.post_order()
    harness.add_refund(
        refund_of(
            1, ("TEE-M", 1, "12.00", "2.00"), total="16.80", shipping=gbp("4.80"), shipping_tax=gbp("0.80")
        )
    )
    harness.refunds_job()
    harness.refunds_job()
    assert harness.open_problems() == [("credit_note_manual", "finance", "gid://shopify/Refund/1")]
    details = harness.problem_details("credit_note_manual")
    assert (details["net"], details["tax"], details["total"]) == ("14.00", "2.80", "16.80")
    assert details["lines"] == [{"sku": "TEE-M", "quantity": 1, "net": "10.00", "tax": "2.00"}]
    rows = list(csv.DictReader(io.StringIO(str(details["csv"]))))
    assert [(r["kind"], r["gross"]) for r in rows] == [
        ("line", "12.00"),
        ("shipping", "4.80"),
        ("total", "16.80"),
    ]
    with harness.store.begin() as conn:
        count = conn.execute(
            sa.select(problems.c.count).where(problems.c.kind == "credit_note_manual")
        ).scalar()
    assert count == 1  # told once, not once per job


def test_the_sweep_reads_from_its_watermark_less_the_overlap(harness: Harness) -> None:
    seen: list[datetime] = []

    def since_spy(since: datetime) -> tuple[RefundedOrder, ...]:
        seen.append(since)
        return ()

    harness.shopify.refunded_orders_since = since_spy  # type: ignore[method-assign]
    first = harness.clock.now()
    flow.sweep(harness._job(flow.SWEEP_KIND, {}), harness.context())
    harness.clock.advance(600)
    flow.sweep(harness._job(flow.SWEEP_KIND, {}), harness.context())
    overlap = timedelta(seconds=harness.settings.schedules.order_sweep_overlap)
    assert seen == [first - overlap, first - overlap]  # the second reads back from the first's start
    harness.clock.advance(600)
    flow.sweep(harness._job(flow.SWEEP_KIND, {}), harness.context())
    assert seen[-1] == first + timedelta(seconds=600) - overlap


def test_a_refund_of_an_order_cancelled_in_the_erp_is_not_credited(harness: Harness) -> None:
    harness.post_order()
    harness.shopify.orders[ORDER_ID] = paid_order(cancelled_at=datetime(2026, 1, 2, tzinfo=UTC))
    harness.post_order()  # the cancel reaches the ERP
    harness.add_refund(refund_of(1, ("TEE-M", 2, "24.00", "4.00"), total="24.00"))
    harness.refunds_job()
    assert harness.erp.count_credit_notes("#1001") == 0
    assert harness.steps()[-1] == "refund_not_credited"


def test_the_schedulers_sweep_fans_out_to_each_shop(harness: Harness) -> None:
    shops = [*harness.settings.shops, harness.settings.shops[0].model_copy(update={"name": "eu"})]
    harness.settings = harness.settings.model_copy(update={"shops": shops})
    job = replace(harness._job(flow.SWEEP_KIND, {}), shop="")
    flow.sweep(job, harness.context())
    with harness.store.begin() as conn:
        query = sa.select(jobs.c.shop).where(jobs.c.kind == flow.SWEEP_KIND, jobs.c.state == "pending")
        assert sorted(row.shop for row in conn.execute(query)) == ["eu", "uk"]


def test_the_refund_of_a_cancel_is_not_credited_even_when_it_arrives_first(harness: Harness) -> None:
    harness.post_order()
    cancelled = datetime(2026, 1, 3, tzinfo=UTC)
    harness.shopify.orders[ORDER_ID] = paid_order(cancelled_at=cancelled)
    earlier = refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00")  # before the cancel
    of_cancel = refund_of(2, ("TEE-M", 1, "12.00", "2.00"), total="12.00", created_at=cancelled)
    harness.add_refund(earlier)
    harness.add_refund(of_cancel)
    harness.refunds_job()  # refunds/create of the cancel came before orders/cancelled
    assert list(harness.erp.credit_notes()) == ["gid://shopify/Refund/1"]
    assert "refund_not_credited" in harness.steps()


def test_with_the_refunds_flow_off_posting_a_refunded_order_asks_for_nothing(harness: Harness) -> None:
    flows = harness.settings.flows.model_copy(update={"refunds": False})
    harness.settings = harness.settings.model_copy(update={"flows": flows})
    harness.post_order()
    assert harness.erp.count_sales_orders("#1001") == 1
    assert harness.pending_jobs(flow.KIND) == []  # no job that no handler would ever take


# --- an ERP that cannot post some notes exactly (ports/erp.ErpCreditExactness) -------------------


class InexactErp(MemoryErp):
    """A MemoryErp whose credit-note format has no place for shipping tax or an adjustment."""

    def credit_note_gap(self, note: CreditNote) -> str:
        gaps = []
        if note.shipping_tax is not None:
            gaps.append("no field for shipping tax")
        if note.adjustment is not None:
            gaps.append("no place for an adjustment")
        return "; ".join(gaps)


def _inexact(harness: Harness) -> InexactErp:
    erp = InexactErp()
    for sku in ("TEE-M", "MUG-01"):
        erp.add_item(sku, price=Decimal("10.00"))
    harness.erp = erp
    return erp


SHIPPING_ONLY = {"total": "4.80", "shipping": gbp("4.80"), "shipping_tax": gbp("0.80")}
APPEASEMENT = {"total": "5.00"}  # no lines, no shipping: all of it is the note's adjustment


@pytest.mark.parametrize(
    ("shape", "figures"),
    [
        (SHIPPING_ONLY, {"shipping": "4.00", "shipping_tax": "0.80", "adjustment": "0", "net": "4.00"}),
        (APPEASEMENT, {"shipping": "0", "shipping_tax": "0", "adjustment": "5.00", "net": "5.00"}),
    ],
)
def test_a_note_the_erp_cannot_post_exactly_is_keyed_by_finance_and_never_posted_or_retried(
    harness: Harness, shape: dict[str, Any], figures: dict[str, str]
) -> None:
    erp = _inexact(harness)
    harness.post_order()
    harness.add_refund(refund_of(1, **shape))
    harness.refunds_job()
    harness.refunds_job()  # a later job (the sweep's) does not try it again
    assert erp.credit_notes() == {}
    assert harness.open_problems() == [("credit_note_manual", "finance", "gid://shopify/Refund/1")]
    details = harness.problem_details("credit_note_manual")
    erp_order = erp.find_sales_order("#1001")
    assert erp_order is not None and details["erp_order"] == erp_order.erp_number
    assert {key: details[key] for key in figures} == figures
    assert details["total"] == shape["total"] and "memory" in str(details["reason"]).lower()
    assert harness.steps().count("credit_note_manual") == 1
    with harness.store.begin() as conn:
        count = conn.execute(
            sa.select(problems.c.count).where(problems.c.kind == "credit_note_manual")
        ).scalar()
    assert count == 1


def test_an_erp_that_can_post_the_note_exactly_gets_it_posted(harness: Harness) -> None:
    erp = _inexact(harness)
    harness.post_order()
    harness.add_refund(refund_of(1, ("TEE-M", 1, "12.00", "2.00"), total="12.00"))
    harness.refunds_job()
    assert list(erp.credit_notes()) == ["gid://shopify/Refund/1"]
    assert harness.open_problems() == []
