"""The payouts sweep on fakes: a Shopify port holding payouts, the in-memory ERP, a real store."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import ALL_CAPABILITIES, MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.payout_state import Outcome
from shopbridge.domain.records import BalanceTransaction, Order, Payout
from shopbridge.engine import payouts as payout_store
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import FLOWS
from shopbridge.flows import payout_to_ledger as flow
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import Capability

PAYOUT = "gid://shopify/ShopifyPaymentsPayout/501"
WHEN = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


def gbp(text: str) -> Money:
    return Money(Decimal(text), "GBP")


def row(n: int, kind: str, amount: str, fee: str = "0", order: str = "") -> BalanceTransaction:
    return BalanceTransaction(
        shopify_id=f"gid://shopify/ShopifyPaymentsBalanceTransaction/{n}",
        type=kind,
        amount=gbp(amount),
        fee=gbp(fee),
        net=gbp(amount) - gbp(fee),
        processed_at=WHEN,
        source_order_id=order,
        source_order_name=f"#{order.rsplit('/', 1)[-1]}" if order else "",
    )


DAY = (
    row(1, "CHARGE", "120.00", "2.05", order="gid://shopify/Order/1001"),
    row(2, "CHARGE", "36.00", "0.79", order="gid://shopify/Order/1002"),
    row(3, "REFUND", "-20.00", order="gid://shopify/Order/1001"),
    row(4, "ADJUSTMENT", "-1.50"),
    row(5, "TRANSFER", "-131.66"),
)


@dataclass
class FakeShopify:
    """Payouts and their balance transactions as Shopify would list them."""

    payouts_by_id: dict[str, Payout] = field(default_factory=dict)
    rows: dict[str, tuple[BalanceTransaction, ...]] = field(default_factory=dict)
    asked_since: list[date | None] = field(default_factory=list)

    def add(self, payout_id: str, rows: tuple[BalanceTransaction, ...], *, status: str = "PAID") -> None:
        net = sum((r.net.amount for r in rows if r.type != "TRANSFER"), Decimal(0))
        self.payouts_by_id[payout_id] = Payout(payout_id, WHEN, status, Money(net, "GBP"))
        self.rows[payout_id] = rows

    def set_status(self, payout_id: str, status: str) -> None:
        self.payouts_by_id[payout_id] = replace(self.payouts_by_id[payout_id], status=status)

    def order(self, order_id: str) -> Order | None:
        return None

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        raise AssertionError("the payouts flow writes nothing to orders")

    def payouts(self, issued_since: date | None) -> list[Payout]:
        self.asked_since.append(issued_since)
        return [
            p
            for p in self.payouts_by_id.values()
            if issued_since is None or p.issued_at.date() >= issued_since
        ]

    def payout_transactions(self, payout_id: str) -> list[BalanceTransaction]:
        return list(self.rows[payout_id])


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    erp: MemoryErp
    shopify: FakeShopify
    settings: Settings

    def run(self) -> None:
        context = FlowContext(
            erp=self.erp,
            shopify=self.shopify,
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=self.settings,
            shop=self.settings.shops[0],
        )
        job = Job(1, flow.KIND, "sweep", {}, 1, None, "uk", None, self.clock.now(), JobState.RUNNING)
        flow.handle(job, context)

    def open_problems(self) -> list[tuple[str, str, dict[str, Any]]]:
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(problems).where(problems.c.status == "open")).all()
        return [(r.kind, r.team, r.details) for r in rows]

    def record(self, payout_id: str = PAYOUT) -> Any:
        with self.store.begin() as conn:
            return payout_store.find_record(conn, "uk", payout_id)


def settings(monkeypatch: pytest.MonkeyPatch, **accounts: Any) -> Settings:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    gbp_accounts = {
        "bank": "1200",
        "clearing": "1100",
        "fees": "7900",
        "suspense": "9999",
        "payouts": {"sales": "4000", "refunds": "4005", "adjustments": "7920"},
        **accounts,
    }
    shop = {
        "name": "uk",
        "domain": "uk.myshopify.com",
        "access_token": {"env": "FLOW_TOKEN"},
        "webhook_secrets": [{"env": "FLOW_TOKEN"}],
        "accounts": {"GBP": gbp_accounts},
    }
    return parse_settings({"shops": [shop]})


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return Harness(sqlite_store, fake_clock, MemoryErp(), FakeShopify(), settings(monkeypatch))


def credits(harness: Harness) -> dict[str, Decimal]:
    (entry,) = harness.erp.journals().values()
    out: dict[str, Decimal] = {}
    for line in entry.lines:
        value = line.credit.amount if line.credit else -line.debit.amount  # type: ignore[union-attr]
        out[line.nominal_code] = out.get(line.nominal_code, Decimal(0)) + value
    return out


def test_the_flow_is_listed_and_scheduled_under_its_own_switch() -> None:
    assert flow.FLOW in FLOWS
    assert (flow.FLOW.kind, flow.FLOW.switch, flow.FLOW.schedule) == ("sweep.payouts", "payouts", "payouts")


def test_a_paid_payout_posts_one_balanced_entry_and_links_it(harness: Harness) -> None:
    harness.shopify.add(PAYOUT, DAY)
    harness.run()
    assert credits(harness) == {
        "1200": Decimal("-131.66"),
        "4000": Decimal("156.00"),
        "4005": Decimal("-20.00"),
        "7920": Decimal("-1.50"),
        "7900": Decimal("-2.84"),
    }
    record = harness.record()
    assert (record.outcome, record.erp_reference, record.net) == (
        Outcome.POSTED,
        "JNL00001",
        Decimal("131.66"),
    )
    assert [r.type for r in record.detail] == ["CHARGE", "CHARGE", "REFUND", "ADJUSTMENT"]
    assert harness.open_problems() == []


def test_re_sweeps_post_nothing_twice(harness: Harness) -> None:
    harness.shopify.add(PAYOUT, DAY)
    for _ in range(3):
        harness.run()
    assert len(harness.erp.journals()) == 1
    assert harness.shopify.asked_since == [None, date(2026, 11, 4), date(2026, 11, 4)]


def test_a_payout_not_yet_paid_waits(harness: Harness) -> None:
    harness.shopify.add(PAYOUT, DAY, status="IN_TRANSIT")
    harness.run()
    assert harness.erp.journals() == {} and harness.record() is None
    harness.shopify.set_status(PAYOUT, "PAID")
    harness.run()
    assert len(harness.erp.journals()) == 1


@pytest.mark.parametrize("status", ["FAILED", "CANCELED"])
def test_a_posted_payout_that_changes_status_raises_payout_changed_once(
    harness: Harness, status: str
) -> None:
    harness.shopify.add(PAYOUT, DAY)
    harness.run()
    harness.shopify.set_status(PAYOUT, status)
    harness.run()
    harness.run()
    assert len(harness.erp.journals()) == 1
    ((kind, team, details),) = harness.open_problems()
    assert (kind, team, details["was"], details["now"]) == ("payout_changed", "finance", "PAID", status)
    assert (harness.record().outcome, harness.record().status) == (Outcome.CHANGED, status)


def test_an_unbalanced_payout_posts_nothing_and_tells_finance_the_difference(harness: Harness) -> None:
    harness.shopify.add(PAYOUT, DAY)
    wrong = harness.shopify.payouts_by_id[PAYOUT]
    harness.shopify.payouts_by_id[PAYOUT] = replace(wrong, net=gbp("131.67"))
    harness.run()
    assert harness.erp.journals() == {}
    ((kind, team, details),) = harness.open_problems()
    assert (kind, team, details["difference"]) == ("payout_mismatch", "finance", "0.01")
    assert len(details["transactions"]) == 4
    assert harness.record().outcome is Outcome.UNBALANCED
    harness.shopify.payouts_by_id[PAYOUT] = wrong  # Shopify's figures corrected: it posts, problem closes
    harness.run()
    assert len(harness.erp.journals()) == 1 and harness.open_problems() == []


def test_an_unknown_type_goes_to_suspense_and_raises_a_problem(harness: Harness) -> None:
    odd = row(9, "SHOPIFY_COLLECTIVE_DEBIT", "-4.00")
    harness.shopify.add(PAYOUT, (*DAY[:-1], odd))
    harness.run()
    assert credits(harness)["9999"] == Decimal("-4.00")
    ((kind, team, details),) = harness.open_problems()
    assert (kind, team, details["types"]) == (
        "unknown_balance_transaction",
        "finance",
        ["SHOPIFY_COLLECTIVE_DEBIT"],
    )
    assert harness.record().unknown_types == ("SHOPIFY_COLLECTIVE_DEBIT",)


def test_an_erp_without_a_payout_path_gets_a_csv_and_finance_a_problem(harness: Harness) -> None:
    harness.erp.enabled = ALL_CAPABILITIES - {Capability.JOURNAL, Capability.BANK_RECEIPT}
    harness.shopify.add(PAYOUT, DAY)
    harness.run()
    harness.run()
    assert harness.erp.journals() == {}
    record = harness.record()
    assert record.outcome is Outcome.EXPORTED
    assert (
        record.journal_csv.splitlines()[0] == "reference,date,nominal_code,description,debit,credit,currency"
    )
    assert "SP501,2026-12-04,1200,Payout to bank,131.66,,GBP" in record.journal_csv
    ((kind, team, _details),) = harness.open_problems()
    assert (kind, team) == ("unsupported_operation", "finance")


def test_a_refund_heavy_day_is_a_withdrawal_credited_to_the_bank(harness: Harness) -> None:
    heavy = (row(1, "CHARGE", "30.00", "0.70"), row(2, "REFUND", "-95.00"), row(3, "TRANSFER", "65.70"))
    harness.shopify.add(PAYOUT, heavy)
    harness.run()
    assert credits(harness)["1200"] == Decimal("65.70")


def test_a_currency_without_accounts_is_a_problem_for_finance_and_posts_nothing(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = Harness(sqlite_store, fake_clock, MemoryErp(), FakeShopify(), settings(monkeypatch))
    harness.shopify.add(PAYOUT, DAY)
    usd = harness.shopify.payouts_by_id[PAYOUT]
    harness.shopify.payouts_by_id[PAYOUT] = replace(usd, net=Money(usd.net.amount, "USD"))
    harness.shopify.rows[PAYOUT] = tuple(
        replace(
            r,
            amount=Money(r.amount.amount, "USD"),
            fee=Money(r.fee.amount, "USD"),
            net=Money(r.net.amount, "USD"),
        )
        for r in DAY
    )
    harness.run()
    assert harness.erp.journals() == {}
    ((kind, team, _details),) = harness.open_problems()
    assert (kind, team) == ("configuration", "finance")
