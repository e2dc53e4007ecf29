"""The stock audit flow on a fake Shopify port and a real store: compare, repair, report, survive.

The fake holds levels the way Shopify would after a bulk read; ``repair_inventory_levels`` applies
the compare-and-swap as Shopify does (a level that moved meanwhile is left alone). The end-to-end
test against the HTTP sandbox is tests/e2e/test_stock_audit_e2e.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from shopbridge.config import parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.stock_audit import Drift, ShopifyLevel
from shopbridge.engine import snapshots
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import RetryLater
from shopbridge.flows import FLOWS
from shopbridge.flows import stock_audit as flow
from shopbridge.flows.spec import FlowContext

LOC = "gid://shopify/Location/1"


def item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{n}"


@dataclass
class FakeShopify:
    """Levels keyed (location, item) -> available; a read ends as ``read_status`` says."""

    levels: dict[tuple[str, str], int] = field(default_factory=dict)
    read_status: str = "COMPLETED"
    moves_during_repair: dict[tuple[str, str], int] = field(default_factory=dict)
    repair_calls: list[int] = field(default_factory=list)
    reads: int = 0

    def start_inventory_read(self) -> str:
        self.reads += 1
        return f"gid://shopify/BulkOperation/{self.reads}"

    def wait_inventory_read(self, operation_id: str, *, progress: Callable[[int], None] | None = None) -> int:
        if progress is not None:
            progress(len(self.levels))
        if self.read_status != "COMPLETED":
            raise RetryLater(f"the stock audit's bulk read {operation_id} ended {self.read_status}")
        return len(self.levels)

    def inventory_levels(self, operation_id: str) -> Iterator[ShopifyLevel]:
        snapshot = dict(self.levels)  # the read is a snapshot of the shop when it ran
        self.levels.update(self.moves_during_repair)
        for (location, inventory_item), available in snapshot.items():
            yield ShopifyLevel(location, inventory_item, available)

    def repair_inventory_levels(self, drifts: Sequence[Drift], *, key: str) -> int:
        assert len(drifts) <= 250 and key
        self.repair_calls.append(len(drifts))
        current = [d for d in drifts if self.levels[(d.location_id, d.inventory_item_id)] == d.shopify]
        for drift in current:
            self.levels[(drift.location_id, drift.inventory_item_id)] = drift.expected
        return len(current)


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    shopify: FakeShopify

    def pushed(self, n: int, quantity: int, location: str = LOC) -> None:
        with self.store.begin() as conn:
            snapshots.record_pushed(
                conn,
                shop="uk",
                location_id=location,
                inventory_item_id=item(n),
                quantity=quantity,
                sku=f"SKU-{n}",
                now=self.clock.now(),
            )

    def context(self) -> FlowContext:
        settings = parse_settings(
            {
                "shops": [
                    {
                        "name": "uk",
                        "domain": "uk.myshopify.com",
                        "access_token": {"env": "AUDIT_TOKEN"},
                        "webhook_secrets": [{"env": "AUDIT_TOKEN"}],
                    }
                ]
            }
        )
        return FlowContext(
            erp=MemoryErp(),
            shopify=self.shopify,
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=settings,
            shop=settings.shops[0],
        )

    def run(self) -> None:
        job = Job(
            id=1,
            kind=flow.KIND,
            entity_key="sweep:stock_audit",
            payload={},
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key="sweep.stock_audit:1",
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        flow.handle(job, self.context())

    def problems(self) -> list[tuple[str, str, str, int]]:
        query = sa.select(problems.c.kind, problems.c.status, problems.c.entity_id, problems.c.count)
        with self.store.begin() as conn:
            return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("AUDIT_TOKEN", "x")
    return Harness(sqlite_store, fake_clock, FakeShopify())


def test_the_audit_is_a_daily_sweep_of_the_stock_flows() -> None:
    assert flow.FLOW in FLOWS
    assert (flow.FLOW.kind, flow.FLOW.schedule, flow.FLOW.switch) == (
        "sweep.stock_audit",
        "stock_audit",
        "stock",
    )
    assert parse_settings({}).schedules.stock_audit == 86400


def test_drift_is_set_back_to_the_last_pushed_value_and_reported(harness: Harness) -> None:
    for n, (pushed, now) in enumerate([(5, 5), (3, 9), (4, 0)], start=1):
        harness.pushed(n, pushed)
        harness.shopify.levels[(LOC, item(n))] = now
    harness.shopify.levels[(LOC, item(99))] = 7  # never pushed by shopbridge: not its figure
    harness.run()
    assert harness.shopify.levels == {
        (LOC, item(1)): 5,
        (LOC, item(2)): 3,
        (LOC, item(3)): 4,
        (LOC, item(99)): 7,
    }
    assert harness.problems() == [("stock_mismatch", "open", "uk", 1)]


def test_an_audit_without_drift_resolves_the_open_problem(harness: Harness) -> None:
    harness.pushed(1, 5)
    harness.shopify.levels[(LOC, item(1))] = 2
    harness.run()
    harness.run()
    assert harness.shopify.reads == 2
    assert harness.problems() == [("stock_mismatch", "resolved", "uk", 1)]


def test_repairs_go_in_batches_of_at_most_250(harness: Harness) -> None:
    for n in range(1, 601):
        harness.pushed(n, 1)
        harness.shopify.levels[(LOC, item(n))] = 0
    report = flow.run_audit(harness.shopify, harness.context().uow, "uk", key="k")
    assert sorted(harness.shopify.repair_calls, reverse=True)[0] <= 250
    assert sum(harness.shopify.repair_calls) == 600
    assert (report.drift_count, report.repaired) == (600, 600)
    assert all(v == 1 for v in harness.shopify.levels.values())


def test_drift_from_several_chunks_fills_whole_batches(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flow, "CHUNK", 100)  # 3 chunks of compared levels, 1 drift in 2 levels
    for n in range(1, 301):
        harness.pushed(n, 1)
        harness.shopify.levels[(LOC, item(n))] = n % 2
    report = flow.run_audit(harness.shopify, harness.context().uow, "uk", key="k")
    assert harness.shopify.repair_calls == [150]  # not 50 + 50 + 50
    assert report.repaired == 150


def test_a_level_that_moves_again_before_the_repair_is_left_alone(harness: Harness) -> None:
    harness.pushed(1, 5)
    harness.pushed(2, 5)
    harness.shopify.levels.update({(LOC, item(1)): 1, (LOC, item(2)): 2})
    harness.shopify.moves_during_repair = {(LOC, item(2)): 8}  # a sale or a person, after the read
    report = flow.run_audit(harness.shopify, harness.context().uow, "uk", key="k")
    assert (report.drift_count, report.repaired, report.moved_meanwhile) == (2, 1, 1)
    assert harness.shopify.levels == {(LOC, item(1)): 5, (LOC, item(2)): 8}


@pytest.mark.parametrize("status", ["CANCELED", "FAILED"])
def test_a_read_that_did_not_complete_repairs_nothing_and_is_retried_later(
    harness: Harness, status: str
) -> None:
    harness.pushed(1, 5)
    harness.shopify.levels[(LOC, item(1))] = 1
    harness.shopify.read_status = status
    with pytest.raises(RetryLater, match=status):
        harness.run()
    assert harness.shopify.levels == {(LOC, item(1)): 1}
    assert harness.shopify.repair_calls == []
    assert harness.problems() == []
    harness.shopify.read_status = "COMPLETED"  # the retry reads again and repairs
    harness.run()
    assert harness.shopify.levels == {(LOC, item(1)): 5}


def test_progress_is_reported_while_reading_and_comparing(harness: Harness) -> None:
    for n in range(1, 4):
        harness.pushed(n, 2)
        harness.shopify.levels[(LOC, item(n))] = 2
    seen: dict[str, list[int]] = {"reading": [], "total": [], "compared": []}
    progress = flow.AuditProgress(
        reading=seen["reading"].append, read_total=seen["total"].append, compared=seen["compared"].append
    )
    report = flow.run_audit(harness.shopify, harness.context().uow, "uk", key="k", progress=progress)
    assert seen == {"reading": [3], "total": [3], "compared": [3]}
    assert (report.levels_read, report.compared, report.drift_count) == (3, 3, 0)
