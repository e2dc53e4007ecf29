"""The order flow's handler on fakes: the in-memory ERP, a Shopify port holding orders, a real store.

Fast and exact: each test drives the handler job by job and reads both the ERP's state and the
order's sync record, trail and problems. The end-to-end tests (sandboxes over HTTP) are in tests/e2e.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.records import (
    Customer,
    FinancialStatus,
    Order,
    OrderLine,
    SalesOrderStatus,
    TaxLine,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import NeedsPerson
from shopbridge.flows import order_to_sales_order as flow
from shopbridge.flows import quarantine_release
from shopbridge.flows.spec import FlowContext

ORDER_ID = "gid://shopify/Order/1001"


@dataclass
class FakeShopify:
    """The Shopify port over a dict of orders; records what was written back."""

    orders: dict[str, Order] = field(default_factory=dict)
    written: list[tuple[str, str]] = field(default_factory=list)
    reads: int = 0
    version_after_write: OrderVersion | None = None  # what the tag mutation answers

    def order(self, order_id: str) -> Order | None:
        self.reads += 1
        return self.orders.get(order_id)

    def record_erp_order(self, order_id: str, erp_number: str) -> OrderVersion | None:
        self.written.append((order_id, erp_number))
        return self.version_after_write


def line(sku: str = "TEE-M", quantity: int = 2, price: str = "12.00") -> OrderLine:
    tax = Money.of(Decimal(price) * quantity / 6, "GBP").rounded()  # VAT inside a UK price
    return OrderLine(
        f"gid://shopify/LineItem/{sku}",
        sku,
        quantity,
        Money.of(price, "GBP"),
        tax_lines=(TaxLine("VAT", Decimal("0.2"), tax),),
    )


def paid_order(*lines: OrderLine, **changes: Any) -> Order:
    base = Order(
        shopify_id=ORDER_ID,
        name="#1001",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=lines or (line(),),
        customer=Customer(email="ada@example.com", first_name="Ada", shopify_id="gid://shopify/Customer/1"),
        financial_status=FinancialStatus.PAID,
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

    def run(self, order_id: str = ORDER_ID, topic: str = "orders/paid", version: str = "") -> None:
        self.jobs += 1
        job = Job(
            id=self.jobs,
            kind=flow.KIND,
            entity_key="order:uk:1001",
            payload={"order_id": order_id, "topic": topic, **({"version": version} if version else {})},
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=None,
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        flow.handle(job, self.context())

    def sync_status(self) -> SyncStatus | None:
        with self.context().uow.begin() as tx:
            sync = tx.order_sync("uk", ORDER_ID)
        return None if sync is None else sync.status

    def open_problems(self) -> list[tuple[str, str]]:
        with self.store.begin() as conn:
            rows = conn.execute(
                sa.select(problems.c.kind, problems.c.team).where(problems.c.status == "open")
            )
            return [(row.kind, row.team) for row in rows]

    def steps(self) -> list[str]:
        with self.store.begin() as conn:
            return [row.step for row in conn.execute(sa.select(trail.c.step).order_by(trail.c.id))]


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
                }
            ],
            "bundles": {"GIFT-SET": {"MUG-01": 1, "TEE-M": 2}},
        }
    )
    erp = MemoryErp()
    for sku in ("TEE-M", "MUG-01"):
        erp.add_item(sku, price=Decimal("10.00"))
    return Harness(sqlite_store, fake_clock, erp, FakeShopify(), settings)


def test_a_paid_order_becomes_one_sales_order_and_its_number_goes_back(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.run()
    harness.run(topic="orders/updated")  # the write-back's own orders/updated changes nothing
    assert harness.erp.count_sales_orders("#1001") == 1
    assert harness.shopify.written == [(ORDER_ID, "SO00001")]
    assert harness.sync_status() is SyncStatus.POSTED
    assert harness.steps()[-1] == "unchanged"


def _claimable(harness: Harness, version: OrderVersion) -> bool:
    """Whether the version is still unknown (claiming it here records it: use once per test)."""
    with harness.context().uow.begin() as tx:
        return tx.claim_order_version("uk", version)


def _posted_with_tag_answering(harness: Harness, version: OrderVersion) -> OrderSync:
    """Post the paid order, its tag mutation answering ``version``; the order's sync afterwards."""
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.shopify.version_after_write = version
    harness.run()
    with harness.context().uow.begin() as tx:
        sync = tx.order_sync("uk", ORDER_ID)
    assert sync is not None
    return sync


def test_the_version_of_the_write_backs_own_tag_is_marked_known_and_its_job_reads_nothing(
    harness: Harness,
) -> None:
    tagged = OrderVersion.of(ORDER_ID, "2026-01-01T00:00:05Z", "open:paid:")
    sync = _posted_with_tag_answering(harness, tagged)
    assert sync.written_version == tagged.key
    reads = harness.shopify.reads
    harness.run(topic="orders/updated", version=tagged.key)  # its webhook came before the marker
    assert harness.shopify.reads == reads, "the order nobody else changed is not read again"
    assert harness.steps()[-1] == "unchanged"
    assert not _claimable(harness, tagged), "intake finds the version known: no job"
    harness.run(topic="orders/updated", version="1001@2026-01-01T00:00:09Z#open:paid:")
    assert harness.shopify.reads == reads + 1, "another version is read as always"


def test_a_version_someone_else_changed_between_the_read_and_the_tag_is_not_claimed(
    harness: Harness,
) -> None:
    cancelled_meanwhile = OrderVersion.of(ORDER_ID, "2026-01-01T00:00:05Z", "cancelled:paid:")
    sync = _posted_with_tag_answering(harness, cancelled_meanwhile)
    assert sync.written_back and sync.written_version == ""
    assert _claimable(harness, cancelled_meanwhile), "its webhook makes a job that reads the cancel"


def test_a_pending_order_waits_and_posts_once_paid(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(financial_status=FinancialStatus.PENDING)
    harness.run(topic="orders/create")
    assert harness.sync_status() is SyncStatus.WAITING and harness.erp.count_sales_orders("#1001") == 0
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.run()
    assert harness.erp.count_sales_orders("#1001") == 1


def test_a_test_order_is_skipped_and_the_trail_says_so(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(test=True)
    harness.run()
    assert harness.sync_status() is SyncStatus.SKIPPED and harness.erp.count_sales_orders("#1001") == 0
    assert "skipped" in harness.steps()


def test_a_bundle_reaches_the_erp_as_its_components(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(line("GIFT-SET", 1, "30.00"))
    harness.run()
    erp_order = harness.erp.find_sales_order("#1001")
    assert erp_order is not None
    units: dict[str, int] = {}
    for erp_line in erp_order.lines:  # a share that does not divide by its units splits in two lines
        units[erp_line.sku] = units.get(erp_line.sku, 0) + erp_line.quantity
    assert units == {"MUG-01": 1, "TEE-M": 2}
    net = sum(ln.unit_price.amount * ln.quantity for ln in erp_order.lines)
    tax = sum(ln.tax.amount for ln in erp_order.lines)
    assert net + tax == Decimal("30.00")


def test_an_unknown_sku_quarantines_the_order_until_the_items_sweep_releases_it(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(line("HAT-01", 1))
    harness.run()
    assert harness.sync_status() is SyncStatus.QUARANTINED
    assert harness.open_problems() == [("unknown_sku", "merchandising")]
    harness.erp.add_item("HAT-01")
    released = quarantine_release.release_ready(harness.context(), _quarantined(harness), hint={"HAT-01"})
    assert released == 1
    harness.run(topic="release")
    assert harness.erp.count_sales_orders("#1001") == 1 and harness.open_problems() == []
    assert "released" in harness.steps()


def test_an_edit_before_the_cut_off_amends_and_a_cancel_cancels(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.run()
    harness.shopify.orders[ORDER_ID] = paid_order(line(quantity=3))
    harness.run(topic="orders/edited")
    erp_order = harness.erp.find_sales_order("#1001")
    assert erp_order is not None and sum(ln.quantity for ln in erp_order.lines) == 3
    harness.shopify.orders[ORDER_ID] = paid_order(line(quantity=3), cancelled_at=harness.clock.now())
    harness.run(topic="orders/cancelled")
    erp_order = harness.erp.find_sales_order("#1001")
    assert erp_order is not None and erp_order.status is SalesOrderStatus.CANCELLED
    assert harness.sync_status() is SyncStatus.CANCELLED


def test_an_edit_after_the_cut_off_tells_operations_once_and_changes_nothing(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.run()
    harness.clock.advance(timedelta(minutes=61).total_seconds())
    harness.shopify.orders[ORDER_ID] = paid_order(line(quantity=5))
    harness.run(topic="orders/edited")
    harness.run(topic="orders/updated")  # the same change again: no second problem
    erp_order = harness.erp.find_sales_order("#1001")
    assert erp_order is not None and sum(ln.quantity for ln in erp_order.lines) == 2
    assert harness.open_problems() == [("amendment_after_cutoff", "operations")]
    assert harness.steps().count("after_cutoff") == 1


def test_an_amendment_the_erp_leaves_to_a_person_is_carried_by_one(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ERP that refuses a change only a person can make (Tryton: a processed sale with no free
    line for a new SKU) puts the order where an edit after the cut-off goes: operations are told
    once, the job does not fail over and over, and the reconciliation knows a person carries it."""
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.run()

    def refuse(order: object) -> None:
        raise NeedsPerson("the sale is processed and has no free line for HAT-01")

    monkeypatch.setattr(harness.erp, "amend_sales_order", refuse)
    harness.shopify.orders[ORDER_ID] = paid_order(line(quantity=5))
    harness.run(topic="orders/edited")
    harness.run(topic="orders/updated")  # the same change again: no second problem
    assert harness.sync_status() is SyncStatus.MANUAL
    assert harness.open_problems() == [("amendment_after_cutoff", "operations")]
    assert harness.steps().count("after_cutoff") == 1


def test_an_order_cancelled_before_it_posts_is_never_posted(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(cancelled_at=harness.clock.now())
    harness.run(topic="orders/cancelled")
    assert harness.erp.count_sales_orders("#1001") == 0 and harness.sync_status() is SyncStatus.SKIPPED


def test_an_order_with_an_empty_sku_is_a_problem_in_plain_words(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order(line(""))
    with pytest.raises(NeedsPerson, match="#1001 cannot be posted") as raised:
        harness.run()
    assert raised.value.details["entity_id"] == ORDER_ID and harness.erp.count_sales_orders("#1001") == 0


def test_an_erp_refusal_names_the_order_for_the_problem(harness: Harness) -> None:
    harness.shopify.orders[ORDER_ID] = paid_order()
    harness.erp.fail_next(400)
    with pytest.raises(NeedsPerson) as raised:
        harness.run()
    assert raised.value.details["entity_type"] == "order" and raised.value.details["order"] == "#1001"
    harness.run()  # the retry once the cause is gone posts it
    assert harness.erp.count_sales_orders("#1001") == 1


def _quarantined(harness: Harness) -> list[Any]:
    with harness.context().uow.begin() as tx:
        return tx.quarantined_orders()


def test_with_customer_creation_off_an_unknown_buyer_is_a_problem_for_finance(harness: Harness) -> None:
    shop = harness.settings.shops[0].model_copy(update={"create_customers": False})
    harness.settings = harness.settings.model_copy(update={"shops": [shop]})
    harness.shopify.orders[ORDER_ID] = paid_order()
    with pytest.raises(NeedsPerson, match="creating customers is turned off") as raised:
        harness.run()
    assert (raised.value.kind.value, raised.value.team.value) == ("customer_missing", "finance")
    assert raised.value.details["order"] == "#1001" and harness.erp.count_sales_orders("#1001") == 0
