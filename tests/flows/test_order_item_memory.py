"""The order flow's memory of active ERP items (flows/order_items.py), on fakes and a real store.

Fewer item reads per order in a burst, while the catalogue gate still reads the ERP itself and an
item deactivated behind the memory's back is refused by the ERP and quarantines its order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from flows.test_catalogue_sync import MUG, TEE, FakeShopify, make_settings, variant
from shopbridge.config import Settings
from shopbridge.connectors.erp.memory import ALL_CAPABILITIES, MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import SyncStatus
from shopbridge.domain.records import (
    Customer,
    FinancialStatus,
    Item,
    ItemStatus,
    Order,
    OrderLine,
    SalesOrderRequest,
    TaxLine,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import NeedsPerson
from shopbridge.flows import catalogue_sync, quarantine_release
from shopbridge.flows import order_to_sales_order as orders
from shopbridge.flows.order_items import RecentItems
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import Capability, PostedDocument


@dataclass
class CountingErp(MemoryErp):
    """The in-memory ERP, noting every SKU each ``get_items`` call asked for."""

    asked: list[tuple[str, ...]] = field(default_factory=list)
    refusal: NeedsPerson | None = None  # the next create's refusal, for a reason of the ERP's own

    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        self.asked.append(tuple(skus))
        return super().get_items(skus)

    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        refusal, self.refusal = self.refusal, None
        if refusal is not None:
            raise refusal
        return super().create_sales_order(order)

    def item_reads(self, sku: str) -> int:
        return sum(sku in skus for skus in self.asked)


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    erp: CountingErp
    shopify: FakeShopify
    settings: Settings
    memory: RecentItems  # one for every job, as bootstrap gives a process's workers
    jobs: int = 0

    def context(self) -> FlowContext:
        return FlowContext(
            erp=self.erp,
            shopify=self.shopify,
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=self.settings,
            shop=self.settings.shops[0],
            order_items=self.memory,
        )

    def place(self, n: int, sku: str) -> str:
        order_id = f"gid://shopify/Order/{n}"
        self.shopify.orders[order_id] = paid_order(order_id, f"#{n}", sku)
        self._run(orders.KIND, {"order_id": order_id, "topic": "orders/paid"}, orders.handle)
        return order_id

    def sweep(self) -> None:
        self._run(catalogue_sync.KIND, {}, catalogue_sync.handle)

    def release(self, order_id: str) -> None:
        self._run(orders.KIND, {"order_id": order_id, "topic": "release"}, orders.handle)

    def _run(self, kind: str, payload: dict[str, Any], handle: Any) -> None:
        self.jobs += 1
        job = Job(
            id=self.jobs,
            kind=kind,
            entity_key=f"{kind}:{self.jobs}",
            payload=payload,
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=None,
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        handle(job, self.context())

    def status(self, order_id: str) -> SyncStatus | None:
        with self.context().uow.begin() as tx:
            sync = tx.order_sync("uk", order_id)
        return None if sync is None else sync.status

    def open_problems(self) -> list[tuple[str, str]]:
        with self.store.begin() as conn:
            query = sa.select(problems.c.kind, problems.c.entity_id).where(problems.c.status == "open")
            return [(row.kind, row.entity_id) for row in conn.execute(query)]


def paid_order(order_id: str, name: str, sku: str) -> Order:
    tax = Money.of("2.00", "GBP")
    return Order(
        shopify_id=order_id,
        name=name,
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(
            OrderLine(
                f"gid://shopify/LineItem/{name}",
                sku,
                1,
                Money.of("12.00", "GBP"),
                tax_lines=(TaxLine("VAT", Decimal("0.2"), tax),),
            ),
        ),
        customer=Customer(email="ada@example.com", first_name="Ada", shopify_id="gid://shopify/Customer/1"),
        financial_status=FinancialStatus.PAID,
        taxes_included=True,
    )


def make_harness(store: Store, clock: FakeClock, seconds: float) -> Harness:
    erp = CountingErp(now=clock.now, enabled=ALL_CAPABILITIES - {Capability.KITS})  # as Sage 200
    for sku in ("TEE-S", "TEE-M", "MUG-01"):
        erp.add_item(sku, f"ERP {sku}", price=Decimal("10.00"))
    shopify = FakeShopify()
    shopify.add(TEE, "Classic Tee", "ACTIVE", variant(1, "TEE-S"), variant(2, "TEE-M"))
    shopify.add(MUG, "Coffee Mug", "ACTIVE", variant(3, "MUG-01", "9.50"))
    return Harness(store, clock, erp, shopify, make_settings(), RecentItems(seconds))


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    return make_harness(sqlite_store, fake_clock, seconds=30)


def test_orders_of_one_sku_read_the_item_once_within_the_memory_and_again_after_it(harness: Harness) -> None:
    for n in (1, 2, 3):
        harness.place(n, "MUG-01")
        harness.clock.advance(5)
    assert harness.erp.item_reads("MUG-01") == 1
    assert [harness.erp.count_sales_orders(f"#{n}") for n in (1, 2, 3)] == [1, 1, 1]
    harness.clock.advance(30)  # older than the memory: read again
    harness.place(4, "MUG-01")
    assert harness.erp.item_reads("MUG-01") == 2


def test_without_the_memory_every_order_reads_its_items(
    sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    harness = make_harness(sqlite_store, fake_clock, seconds=0)  # erp.order_item_memory_seconds = 0
    for n in (1, 2, 3):
        harness.place(n, "MUG-01")
    assert harness.erp.item_reads("MUG-01") == 3


def test_the_catalogue_withdraws_an_item_deactivated_while_the_order_memory_holds_it_active(
    harness: Harness,
) -> None:
    harness.place(1, "MUG-01")  # the memory now holds MUG-01 as active
    harness.erp.set_item_active("MUG-01", False)
    harness.sweep()
    assert harness.shopify.status(MUG) == "DRAFT"
    assert harness.shopify.status(TEE) == "ACTIVE"
    # ... while the order flow's memory was warm all along (the sweep did not read through it):
    remembered = harness.memory.get_items(harness.erp, ["MUG-01"], harness.clock.now())
    assert remembered["MUG-01"].status is ItemStatus.ACTIVE
    assert harness.erp.item_reads("MUG-01") == 2  # the order's check and the sweep's own read


def test_an_order_for_an_item_deactivated_behind_the_memory_is_refused_and_quarantined(
    harness: Harness,
) -> None:
    harness.place(1, "MUG-01")
    harness.erp.set_item_active("MUG-01", False)  # the memory still says active
    second = harness.place(2, "MUG-01")
    assert harness.erp.count_sales_orders("#2") == 0
    assert harness.status(second) is SyncStatus.QUARANTINED
    assert harness.open_problems() == [("unknown_sku", second)]
    assert harness.erp.item_reads("MUG-01") == 2  # the first order's check, the one after the refusal
    # reactivated: the release posts it, and the problem resolves itself
    harness.erp.set_item_active("MUG-01", True)
    with harness.context().uow.begin() as tx:
        quarantined = tx.quarantined_orders()
    assert quarantine_release.release_ready(harness.context(), quarantined, hint={"MUG-01"}) == 1
    harness.release(second)
    assert harness.erp.count_sales_orders("#2") == 1 and harness.open_problems() == []


def test_a_refusal_that_is_not_about_items_stays_the_erps_refusal(harness: Harness) -> None:
    harness.place(1, "MUG-01")
    harness.erp.refusal = NeedsPerson("Sage 200 rejected POST /sop_orders (HTTP 400): account on stop")
    with pytest.raises(NeedsPerson, match="account on stop") as raised:
        harness.place(2, "MUG-01")
    assert raised.value.details["order"] == "#2"  # the problem names the order, as before
    assert harness.erp.item_reads("MUG-01") == 2  # asked afresh: every item is active
    assert harness.status("gid://shopify/Order/2") is not SyncStatus.QUARANTINED
    assert harness.erp.count_sales_orders("#2") == 0
    harness.place(2, "MUG-01")  # the retry once the cause is fixed posts it
    assert harness.erp.count_sales_orders("#2") == 1
