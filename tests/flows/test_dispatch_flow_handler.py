"""The dispatch flows on fakes: a Shopify port holding fulfilment orders, a dispatch feed, a real store.

The Shopify fake applies fulfilments and moves as Shopify does (remaining quantities go down, moved
lines get a fulfilment order of their own) and can time out *after* applying a create, as a real
network can. End-to-end tests over the sandboxes are in tests/e2e/test_dispatch_flow_e2e.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.fulfilment import (
    FulfilmentOrder,
    FulfilmentOrderLine,
    FulfilmentRequest,
    OrderedLine,
    OrderFulfilments,
    ShippedFulfilment,
)
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.records import Dispatch, DispatchLine
from shopbridge.engine import links
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import jobs, problems, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import NeedsPerson, RetryLater
from shopbridge.flows import dispatch_to_fulfilment as flow
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import Page

ORDER_ID = "gid://shopify/Order/1001"
HERE, THERE = "gid://shopify/Location/1", "gid://shopify/Location/2"


@dataclass
class FakeShopify:
    """Fulfilment orders and fulfilments of one order, changed as Shopify changes them."""

    state: OrderFulfilments
    timeout_after_create: int = 0
    created: list[FulfilmentRequest] = field(default_factory=list)
    moves: int = 0

    def order_fulfilments(self, order_id: str) -> OrderFulfilments | None:
        return self.state if order_id == self.state.order_id else None

    def fulfilments_made(self, order_id: str) -> tuple[ShippedFulfilment, ...]:
        return self.state.fulfilments

    def move_fulfilment_order(self, fo_id: str, location_id: str, lines: tuple[tuple[str, int], ...]) -> None:
        self.moves += 1
        fos = []
        for fo in self.state.fulfilment_orders:
            if fo.id == fo_id:
                fo = replace(fo, lines=tuple(_less(line, dict(lines).get(line.id, 0)) for line in fo.lines))
            fos.append(fo)
        moved = tuple(
            FulfilmentOrderLine(f"{line_id}-moved", _line_item(self.state, line_id), qty)
            for line_id, qty in lines
        )
        fos.append(FulfilmentOrder(f"{fo_id}-moved", location_id, "OPEN", moved))
        self.state = replace(self.state, fulfilment_orders=tuple(fos))

    def create_fulfilment(self, request: FulfilmentRequest) -> str:
        shipped = dict(line for _fo, lines in request.groups for line in lines)
        fos = tuple(
            replace(fo, lines=tuple(_less(line, shipped.get(line.id, 0)) for line in fo.lines))
            for fo in self.state.fulfilment_orders
        )
        units = tuple((_line_item(self.state, line_id), qty) for line_id, qty in shipped.items())
        made = ShippedFulfilment(
            f"gid://shopify/Fulfillment/{len(self.created) + 1}", "SUCCESS", request.numbers, units
        )
        self.state = replace(self.state, fulfilment_orders=fos, fulfilments=(*self.state.fulfilments, made))
        self.created.append(request)
        if self.timeout_after_create:
            self.timeout_after_create -= 1
            raise RetryLater("Shopify did not answer fulfillment_create in time")
        return made.id

    def order(self, order_id: str) -> None:
        return None

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        return None


def _less(line: FulfilmentOrderLine, units: int) -> FulfilmentOrderLine:
    return replace(line, remaining=line.remaining - units)


def _line_item(state: OrderFulfilments, fo_line_id: str) -> str:
    return next(
        line.line_item_id for fo in state.fulfilment_orders for line in fo.lines if line.id == fo_line_id
    )


def shopify_order(*lines: tuple[str, int], cancelled: bool = False) -> OrderFulfilments:
    ordered = tuple(OrderedLine(f"gid://shopify/LineItem/{sku}", sku, qty) for sku, qty in lines)
    fo_lines = tuple(
        FulfilmentOrderLine(f"FL-{sku}", f"gid://shopify/LineItem/{sku}", qty) for sku, qty in lines
    )
    return OrderFulfilments(
        ORDER_ID, "#1001", cancelled, ordered, (FulfilmentOrder("FO-1", HERE, "OPEN", fo_lines),)
    )


def dispatch(
    erp_id: str, *lines: tuple[str, int], carrier: str = "DPD", warehouse: str = "MAIN", **more: Any
) -> Dispatch:
    return Dispatch(
        erp_id=erp_id,
        order_reference=more.pop("reference", "#1001"),
        dispatched_at=datetime(2026, 1, 2, tzinfo=UTC),
        lines=tuple(DispatchLine(sku, qty) for sku, qty in lines),
        carrier=carrier,
        tracking_numbers=more.pop("numbers", (f"TRK-{erp_id}",)),
        tracking_url="https://track.example/x",
        warehouse=warehouse,
    )


@dataclass
class FeedErp(MemoryErp):
    """The in-memory ERP with a dispatch feed the test fills."""

    feed: list[Dispatch] = field(default_factory=list)

    def __post_init__(self) -> None:
        MemoryErp.__init__(self)

    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        start = int(cursor or 0)
        items = tuple(self.feed[start : start + limit])
        return Page(items, str(start + len(items)), start + len(items) < len(self.feed))


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    erp: FeedErp
    shopify: FakeShopify
    settings: Settings
    jobs: int = 0

    def context(self) -> FlowContext:
        return FlowContext(
            erp=self.erp,
            shopify=self.shopify,  # type: ignore[arg-type]
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=self.settings,
            shop=self.settings.shops[0],
        )

    def posted(self, name: str = "#1001", status: SyncStatus = SyncStatus.POSTED) -> None:
        sync = OrderSync(
            shop="uk", order_id=ORDER_ID, name=name, status=status, erp_id="SO1", erp_number="SO1"
        )
        with self.context().uow.begin() as tx:
            tx.save_order_sync(sync)

    def run(self, sent: Dispatch) -> None:
        self.jobs += 1
        job = Job(
            id=self.jobs,
            kind=flow.KIND,
            entity_key=flow.dispatch_entity_key("uk", sent.order_reference),
            payload=flow.dispatch_payload(sent),
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=None,
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        flow.handle(job, self.context())

    def sweep(self) -> None:
        job = Job(1, flow.SWEEP_KIND, None, {}, 1, None, "uk", None, self.clock.now(), JobState.RUNNING)
        flow.sweep(job, self.context())

    def linked(self, dispatch_id: str) -> str | None:
        with self.store.begin() as conn:
            found = links.find(conn, entity_type=flow.LINK, shop="uk", erp_id=dispatch_id)
        return None if found is None else found.shopify_id

    def problems(self) -> list[tuple[str, str, int]]:
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(problems.c.kind, problems.c.entity_id, problems.c.count))
            return [(row.kind, row.entity_id, row.count) for row in rows]

    def queued(self) -> list[str]:
        with self.store.begin() as conn:
            return [
                row.dedup_key
                for row in conn.execute(sa.select(jobs.c.dedup_key).where(jobs.c.kind == flow.KIND))
            ]

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
                    "locations": {"1": "MAIN", "2": "NORTH"},
                }
            ],
            "lookups": {"carriers": {"DPD": "DPD UK"}},
            "bundles": {"GIFT-SET": {"MUG-01": 1, "TEE-M": 2}},
        }
    )
    return Harness(sqlite_store, fake_clock, FeedErp(), FakeShopify(shopify_order(("TEE-M", 3))), settings)


def remaining(h: Harness) -> list[int]:
    return [line.remaining for fo in h.shopify.state.fulfilment_orders for line in fo.lines]


def test_a_dispatch_becomes_one_linked_fulfilment_with_carrier_tracking_and_notification(
    harness: Harness,
) -> None:
    harness.posted()
    harness.run(dispatch("D1", ("TEE-M", 3)))
    (request,) = harness.shopify.created
    assert (request.company, request.numbers, request.notify_customer) == ("DPD UK", ("TRK-D1",), True)
    assert harness.linked("D1") == "gid://shopify/Fulfillment/1"
    assert "fulfilled" in harness.steps() and harness.problems() == []


def test_split_dispatches_fulfil_part_then_the_rest_and_a_redelivery_changes_nothing(
    harness: Harness,
) -> None:
    harness.posted()
    harness.run(dispatch("D1", ("TEE-M", 1)))
    assert remaining(harness) == [2]
    harness.run(dispatch("D2", ("TEE-M", 2)))
    harness.run(dispatch("D1", ("TEE-M", 1)))  # redelivered
    assert remaining(harness) == [0] and len(harness.shopify.created) == 2


def test_a_retry_after_a_timeout_finds_the_fulfilment_shopify_did_create(harness: Harness) -> None:
    harness.posted()
    harness.shopify.timeout_after_create = 1
    with pytest.raises(RetryLater):
        harness.run(dispatch("D1", ("TEE-M", 2)))
    harness.run(dispatch("D1", ("TEE-M", 2)))
    assert len(harness.shopify.created) == 1 and remaining(harness) == [1]
    assert harness.linked("D1") == "gid://shopify/Fulfillment/1"


def test_a_dispatch_from_another_warehouse_moves_the_lines_there_first(harness: Harness) -> None:
    harness.posted()
    harness.run(dispatch("D1", ("TEE-M", 1), warehouse="NORTH"))
    assert harness.shopify.moves == 1
    (request,) = harness.shopify.created
    assert request.groups == (("FO-1-moved", (("FL-TEE-M-moved", 1),)),)
    assert "fulfilment_moved" in harness.steps()


def test_bundle_components_dispatched_apart_fulfil_the_bundle_line_once_complete(harness: Harness) -> None:
    harness.shopify.state = shopify_order(("GIFT-SET", 1))
    harness.posted()
    harness.run(dispatch("D1", ("TEE-M", 2)))
    assert harness.shopify.created == [] and harness.linked("D1") == "components:D1"
    harness.run(dispatch("D2", ("MUG-01", 1)))
    (request,) = harness.shopify.created
    assert request.groups == (("FO-1", (("FL-GIFT-SET", 1),)),)
    assert (
        harness.steps()[-2:] == ["components_dispatched", "fulfilled"][-2:] or "fulfilled" in harness.steps()
    )


def test_an_unmapped_carrier_goes_as_a_custom_name_and_is_one_problem_per_carrier(harness: Harness) -> None:
    harness.shopify.state = shopify_order(("TEE-M", 3))
    harness.posted()
    harness.run(dispatch("D1", ("TEE-M", 1), carrier="Speedy"))
    harness.run(dispatch("D2", ("TEE-M", 1), carrier="Speedy"))
    assert [r.company for r in harness.shopify.created] == ["Speedy", "Speedy"]
    assert harness.problems() == [("unmapped_carrier", "Speedy", 2)]


@pytest.mark.parametrize(
    ("sent", "cancelled", "status", "kind"),
    [
        (dispatch("D1", ("TEE-M", 1)), True, SyncStatus.POSTED, "fulfilment_rejected"),
        (dispatch("D1", ("TEE-M", 4)), False, SyncStatus.POSTED, "dispatch_unmatched"),
        (dispatch("D1", ("HAT", 1)), False, SyncStatus.POSTED, "dispatch_unmatched"),
        (dispatch("D1", ("TEE-M", 1), reference="#9999"), False, SyncStatus.POSTED, "dispatch_unmatched"),
        (dispatch("D1", ("TEE-M", 1)), False, SyncStatus.QUARANTINED, "dispatch_unmatched"),
    ],
)
def test_refusals_and_bad_dispatches_need_a_person_and_create_nothing(
    harness: Harness, sent: Dispatch, cancelled: bool, status: SyncStatus, kind: str
) -> None:
    harness.shopify.state = replace(harness.shopify.state, cancelled=cancelled)
    harness.posted(status=status)
    with pytest.raises(NeedsPerson) as raised:
        harness.run(sent)
    assert raised.value.kind.value == kind
    assert raised.value.details["entity_id"] == "D1" and raised.value.details["order"] == sent.order_reference
    assert harness.shopify.created == [] and harness.linked("D1") is None


def test_the_sweep_enqueues_one_job_per_dispatch_and_a_re_sweep_adds_none(harness: Harness) -> None:
    harness.erp.feed = [dispatch(f"D{i}", ("TEE-M", 1)) for i in range(450)]
    harness.sweep()
    harness.sweep()
    queued = harness.queued()
    assert len(queued) == 450 and len(set(queued)) == 450
