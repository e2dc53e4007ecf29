"""The stock flow on fakes: the in-memory ERP, an in-memory Shopify inventory, a real store.

Each test drives sweeps one by one and reads Shopify's levels, the calls made, the snapshots, the
SKU's trail and the problems. The end-to-end tests (sandboxes over HTTP) are in tests/e2e.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from flows.stock_fakes import LOC1, LOC2, FakeInventory
from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.records import Order, OrderLine
from shopbridge.engine import queue
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.scheduler import sweep_kind
from shopbridge.engine.schema import problems, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import stock_to_shopify as flow
from shopbridge.flows.order_to_sales_order import KIND as ORDER_KIND
from shopbridge.flows.spec import FlowContext
from shopbridge.flows.stock_push import PushResult
from shopbridge.ports.erp import Capability

D = Decimal


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    erp: MemoryErp
    shopify: FakeInventory
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

    def sweep(self, **payload: Any) -> PushResult:
        self.jobs += 1
        job = Job(
            id=self.jobs,
            kind=flow.KIND,
            entity_key=None,
            payload=payload,
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=sweep_kind(flow.SCHEDULE),  # as the scheduler enqueues every run
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        return flow.sweep(self.context(), key=job.run_idempotency_key, extra=tuple(payload.get("skus") or ()))

    def run_job(self, job_id: int, attempts: int) -> None:
        """The scheduled sweep's job ``job_id`` at its ``attempts``-th attempt, through its handler."""
        job = Job(
            id=job_id,
            kind=flow.KIND,
            entity_key=None,
            payload={},
            attempts=attempts,
            max_attempts=None,
            shop="uk",
            dedup_key=sweep_kind(flow.SCHEDULE),
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        flow.handle(job, self.context())

    def open_problems(self) -> list[str]:
        with self.store.begin() as conn:
            return [
                r.kind for r in conn.execute(sa.select(problems.c.kind).where(problems.c.status == "open"))
            ]

    def trail_of(self, entity: str) -> list[dict[str, Any]]:
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(trail.c.step, trail.c.detail).where(trail.c.entity_id == entity))
            return [{"step": r.step, **r.detail} for r in rows]

    def with_settings(self, **changes: Any) -> None:
        self.settings = make_settings(**changes)


def make_settings(**extra: Any) -> Settings:
    shop: dict[str, Any] = {
        "name": "uk",
        "domain": "uk.myshopify.com",
        "access_token": {"env": "FLOW_TOKEN"},
        "webhook_secrets": [{"env": "FLOW_TOKEN"}],
        "locations": extra.pop("locations", {"1": ["MAIN", "OVERFLOW"], "2": "NORTH"}),
    }
    return parse_settings({"shops": [shop], "bundles": {"KIT": {"TEE-S": 1, "MUG-01": 2}}, **extra})


SKUS = ("TEE-S", "TEE-M", "MUG-01", "BOTTLE-01")


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    erp = MemoryErp()
    shopify = FakeInventory()
    for sku in SKUS:
        erp.add_item(sku)
        erp.set_stock(sku, "MAIN", D(10))
        shopify.add_variant(sku, product_type="Mugs" if sku.startswith("MUG") else "Tees")
    shopify.add_variant("KIT")
    return Harness(sqlite_store, fake_clock, erp, shopify, make_settings())


def test_the_first_sweep_sets_every_location_and_activates_only_where_not_stocked(harness: Harness) -> None:
    harness.erp.set_stock("TEE-S", "OVERFLOW", D(4))
    harness.erp.set_stock("TEE-S", "NORTH", D(3))
    harness.sweep()
    assert harness.shopify.held("TEE-S", LOC1) == 14  # MAIN + OVERFLOW feed location 1
    assert harness.shopify.held("TEE-S", LOC2) == 3
    assert harness.shopify.held("KIT", LOC1) == 5  # min(14 // 1, 10 // 2)
    # Location 1 is the default location, where Shopify stocked each new item: only location 2 activates.
    assert {loc for _item, loc in harness.shopify.activations} == {LOC2}
    assert len(harness.shopify.activations) == 5


def test_a_retried_sweep_whose_levels_moved_meanwhile_writes_them_under_a_key_of_its_own(
    harness: Harness,
) -> None:
    # Shopify refuses a key sent again with other variables (the fake asserts it, as Shopify answers
    # IDEMPOTENCY_KEY_PARAMETER_MISMATCH): a retry keyed as its first attempt died at a peak.
    harness.run_job(job_id=7, attempts=1)
    harness.erp.set_stock("TEE-S", "MAIN", D(2))
    harness.run_job(job_id=7, attempts=2)
    assert harness.shopify.held("TEE-S", LOC1) == 2
    assert len(harness.shopify.keys) == 2


def test_an_item_stocked_nowhere_is_activated_once_and_remembered(harness: Harness) -> None:
    harness.shopify = FakeInventory(default_location=None)
    for sku in SKUS:
        harness.shopify.add_variant(sku)
    harness.sweep()
    assert len(harness.shopify.activations) == len(SKUS) * 2
    harness.erp.set_stock("TEE-S", "MAIN", D(2))
    harness.sweep()
    assert len(harness.shopify.activations) == len(SKUS) * 2  # not again
    assert harness.shopify.held("TEE-S") == 2


def test_only_what_changed_is_pushed_in_one_call(harness: Harness) -> None:
    harness.sweep()
    calls = len(harness.shopify.sets)
    harness.erp.set_stock("TEE-M", "MAIN", D(6))
    harness.erp.set_stock("BOTTLE-01", "MAIN", D(10))  # touched, same figure
    result = harness.sweep()
    assert len(harness.shopify.sets) == calls + 1
    assert [(w.quantity, w.expected) for w in harness.shopify.sets[-1]] == [(6, 10)]
    assert (result.levels, result.mutations) == (1, 1)
    assert harness.sweep().mutations == 0  # nothing moved since


def test_a_bundle_follows_its_scarcest_component(harness: Harness) -> None:
    harness.sweep()
    harness.erp.set_stock("MUG-01", "MAIN", D(3))
    harness.sweep()
    assert harness.shopify.held("KIT") == 1  # floor(3 / 2), TEE-S has 10
    harness.erp.set_stock("MUG-01", "MAIN", D(40))
    harness.erp.set_stock("TEE-S", "MAIN", D(7))
    harness.sweep()
    assert harness.shopify.held("KIT") == 7


def test_someone_elses_change_is_seen_then_the_erp_figure_wins_and_the_trail_says_so(
    harness: Harness,
) -> None:
    harness.sweep()
    harness.shopify.interfere("TEE-S", LOC1, 99)  # a person in Shopify's admin
    harness.erp.set_stock("TEE-S", "MAIN", D(8))
    result = harness.sweep()
    assert harness.shopify.stale_answers == 1
    assert harness.shopify.sets[-2][0].expected == 10 and harness.shopify.sets[-1][0].expected == 99
    assert harness.shopify.held("TEE-S") == 8
    conflict = harness.trail_of("sku:TEE-S")
    assert conflict[0]["step"] == "stock_conflict"
    assert (conflict[0]["expected"], conflict[0]["found"], conflict[0]["pushed"]) == (10, 99, 8)
    assert result.conflicts == 1


def test_pending_orders_come_off_until_the_erp_has_them(harness: Harness) -> None:
    harness.sweep()
    order = Order(
        shopify_id="gid://shopify/Order/7",
        name="#7",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(
            OrderLine("l1", "TEE-M", 3, Money.of("5", "GBP"), location_id=LOC1),
            OrderLine("l2", "KIT", 1, Money.of("9", "GBP"), location_id=LOC1),
        ),
    )
    harness.shopify.orders[order.shopify_id] = order
    sync = OrderSync(shop="uk", order_id=order.shopify_id, name="#7", status=SyncStatus.QUARANTINED)
    with harness.context().uow.begin() as tx:
        tx.save_order_sync(sync)
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 7
    assert harness.shopify.held("MUG-01") == 8  # the bundle's two mugs
    with harness.context().uow.begin() as tx:
        tx.save_order_sync(sync.moved(status=SyncStatus.POSTED))
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 10


def test_buffers_most_specific_rule_and_a_change_reschedules_only_its_skus(harness: Harness) -> None:
    harness.with_settings(
        buffers={
            "default": 1,
            "rules": [{"product_type": "Mugs", "units": 4}, {"sku": "TEE-S", "percent": 25}],
        }
    )
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 9
    assert harness.shopify.held("MUG-01") == 6
    assert harness.shopify.held("TEE-S") == 7  # 10 - ceil(2.5)
    harness.with_settings(
        buffers={
            "default": 1,
            "rules": [{"product_type": "Mugs", "units": 2}, {"sku": "TEE-S", "percent": 25}],
        }
    )
    harness.sweep()
    assert [w.quantity for w in harness.shopify.sets[-1]] == [4, 8]  # the KIT (min(7, 8 // 2)), MUG-01 only
    assert harness.shopify.held("MUG-01") == 8


def test_peak_mode_switches_buffers_to_their_peak_figures(harness: Harness) -> None:
    harness.with_settings(buffers={"default": 1, "peak_default": 3})
    harness.sweep()
    with harness.context().uow.begin() as tx:
        tx.set_cursor(flow.PEAK_CURSOR, "on")
    harness.sweep(skus=["TEE-M"])
    assert harness.shopify.held("TEE-M") == 7
    assert flow.is_peak(harness.context())


def test_a_mass_drop_to_zero_is_held_and_pushed_nothing(harness: Harness) -> None:
    harness.sweep()
    calls = len(harness.shopify.sets)
    for sku in ("TEE-S", "TEE-M", "MUG-01"):
        harness.erp.set_stock(sku, "MAIN", D(0))
    assert harness.sweep().levels == 0
    assert len(harness.shopify.sets) == calls and harness.shopify.held("TEE-S") == 10
    assert harness.open_problems() == ["stock_push_held"]
    # The cursor stayed: the same drop is held again, not forgotten.
    harness.sweep()
    assert harness.shopify.held("TEE-S") == 10


def test_an_erp_that_cannot_be_read_holds_the_push(harness: Harness) -> None:
    harness.sweep()
    harness.erp.fail_next(503)
    assert harness.sweep().mutations == 0
    assert harness.open_problems() == ["stock_push_held"]
    harness.erp.set_stock("TEE-M", "MAIN", D(2))
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 2 and harness.open_problems() == []


def test_a_snapshot_erp_is_compared_with_the_levels_kept(harness: Harness) -> None:
    harness.erp.enabled = harness.erp.enabled | {Capability.STOCK_SNAPSHOT}
    harness.sweep()
    before = len(harness.shopify.sets)
    harness.sweep()  # the same snapshot again: nothing moved
    assert len(harness.shopify.sets) == before
    harness.erp.set_stock("BOTTLE-01", "MAIN", D(1))
    harness.sweep()
    assert [w.quantity for w in harness.shopify.sets[-1]] == [1]


def test_more_than_250_changes_go_in_batches_of_250(harness: Harness) -> None:
    for n in range(600):
        sku = f"BULK-{n:04d}"
        harness.erp.add_item(sku)
        harness.erp.set_stock(sku, "MAIN", D(5))
        harness.shopify.add_variant(sku)
    harness.with_settings(locations={"1": "MAIN"})
    result = harness.sweep()
    assert [len(batch) for batch in harness.shopify.sets] == [250, 250, 105]
    assert result.mutations == 3


def test_a_level_already_at_our_figure_is_recorded_not_logged_as_a_conflict(harness: Harness) -> None:
    harness.sweep()
    harness.erp.set_stock("TEE-M", "MAIN", D(4))
    harness.shopify.interfere("TEE-M", LOC1, 4)  # another sweep (the peak schedule) got there first
    result = harness.sweep()
    assert (result.conflicts, harness.trail_of("sku:TEE-M")) == (0, [])
    assert harness.shopify.held("TEE-M") == 4
    assert harness.sweep().mutations == 0  # the snapshot knows Shopify holds 4


def test_an_order_taken_while_the_push_is_held_still_comes_off_afterwards(harness: Harness) -> None:
    harness.sweep()
    order = Order(
        shopify_id="gid://shopify/Order/8",
        name="#8",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(OrderLine("l1", "TEE-M", 3, Money.of("5", "GBP"), location_id=LOC1),),
    )
    harness.shopify.orders[order.shopify_id] = order
    with harness.context().uow.begin() as tx:
        tx.save_order_sync(
            OrderSync(shop="uk", order_id=order.shopify_id, name="#8", status=SyncStatus.WAITING)
        )
    for sku in ("TEE-S", "MUG-01", "BOTTLE-01"):
        harness.erp.set_stock(sku, "MAIN", D(0))
    harness.sweep()
    assert harness.open_problems() == ["stock_push_held"] and harness.shopify.held("TEE-M") == 10
    for sku in ("TEE-S", "MUG-01", "BOTTLE-01"):
        harness.erp.set_stock(sku, "MAIN", D(10))
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 7


# -- a peak: Shopify sells faster than shopbridge hears of it ------------------------------------


def _order_taken(harness: Harness, number: int, sku: str, quantity: int) -> str:
    """An order Shopify took (and counted off its level), whose job is queued but has not run."""
    order_id = f"gid://shopify/Order/{number}"
    harness.shopify.orders[order_id] = Order(
        shopify_id=order_id,
        name=f"#{number}",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(OrderLine("l1", sku, quantity, Money.of("5", "GBP"), location_id=LOC1),),
    )
    with harness.store.begin() as conn:
        queue.enqueue(
            conn,
            ORDER_KIND,
            {"order_id": order_id},
            shop="uk",
            entity_key=f"order:uk:{number}",
            dedup_key=f"order:uk:{number}:1",
            now=harness.clock.now(),
        )
    return order_id


def test_an_order_received_whose_job_has_not_run_comes_off_the_figure(harness: Harness) -> None:
    harness.sweep()
    order_id = _order_taken(harness, 21, "TEE-M", 3)
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 7  # 10 free in the ERP, 3 taken in Shopify
    with harness.context().uow.begin() as tx:  # its job ran and posted it: the ERP holds it now
        tx.save_order_sync(OrderSync(shop="uk", order_id=order_id, name="#21", status=SyncStatus.POSTED))
    with harness.store.begin() as conn:
        conn.execute(sa.text("UPDATE jobs SET state = 'done'"))
    harness.erp.set_stock("TEE-M", "MAIN", D(7))
    harness.sweep()
    assert harness.shopify.held("TEE-M") == 7  # counted once: by the ERP, no longer as pending


def test_sales_shopify_counted_since_the_last_push_are_not_put_back_on_sale(harness: Harness) -> None:
    harness.sweep()
    harness.shopify.interfere("TEE-M", LOC1, 6)  # Shopify sold 4 whose webhooks are still on the way
    harness.erp.set_stock("TEE-M", "MAIN", D(9))  # one of them reached the ERP by another path
    result = harness.sweep()
    assert harness.shopify.held("TEE-M") == 6  # not 9: the three unseen units stay off
    assert result.conflicts == 0 and harness.trail_of("sku:TEE-M") == []  # sales, not a conflict


def test_after_sales_in_shopify_only_what_the_erp_gained_is_added(harness: Harness) -> None:
    harness.sweep()
    harness.shopify.interfere("TEE-M", LOC1, 7)  # 3 sold in Shopify, not yet heard of
    harness.erp.set_stock("TEE-M", "MAIN", D(15))  # and a delivery of 5 into the warehouse
    result = harness.sweep()
    assert harness.shopify.held("TEE-M") == 12  # Shopify's 7 plus the 5 the ERP gained
    assert result.conflicts == 1
    conflict = harness.trail_of("sku:TEE-M")[0]
    assert (conflict["expected"], conflict["found"], conflict["pushed"]) == (10, 7, 12)
    assert "Shopify's lower level stands" in conflict["rule"]


def test_a_warehouse_on_two_locations_is_offered_once_and_their_orders_come_off_it(
    harness: Harness,
) -> None:
    harness.with_settings(locations={"1": "MAIN", "2": "MAIN"})
    harness.sweep()
    assert (harness.shopify.held("TEE-M", LOC1), harness.shopify.held("TEE-M", LOC2)) == (10, 0)
    order_id = "gid://shopify/Order/31"
    harness.shopify.orders[order_id] = Order(
        shopify_id=order_id,
        name="#31",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(OrderLine("l1", "TEE-M", 2, Money.of("5", "GBP"), location_id=LOC2),),
    )
    with harness.context().uow.begin() as tx:
        tx.save_order_sync(OrderSync(shop="uk", order_id=order_id, name="#31", status=SyncStatus.WAITING))
    harness.sweep()
    assert (harness.shopify.held("TEE-M", LOC1), harness.shopify.held("TEE-M", LOC2)) == (8, 0)
