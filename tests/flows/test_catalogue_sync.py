"""The catalogue sweep on fakes: an in-memory Shopify catalogue, the in-memory ERP, a real store.

Each test runs the sweep job by job and reads what it did to Shopify (statuses, channels, fields),
the store (gates, duplicate set) and the problems. End to end against the sandboxes: tests/e2e.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.catalogue import CatalogueProduct, CatalogueVariant
from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import SyncStatus
from shopbridge.domain.ownership import FieldChange
from shopbridge.domain.records import Customer, FinancialStatus, Order, OrderLine
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import catalogue_sync, quarantine_release
from shopbridge.flows import order_to_sales_order as orders
from shopbridge.flows.spec import FlowContext

TEE = "gid://shopify/Product/1"
MUG = "gid://shopify/Product/2"
OLD_MUG = "gid://shopify/Product/3"
ONLINE = "gid://shopify/Publication/1"


def variant(n: int, sku: str, price: str = "15.00") -> CatalogueVariant:
    return CatalogueVariant(f"gid://shopify/ProductVariant/{n}", sku, Decimal(price), "", None, f"I{n}")


@dataclass
class FakeShopify:
    """The Shopify port over a dict of products; status, channel and field writes change them."""

    products: dict[str, CatalogueProduct] = field(default_factory=dict)
    channels: dict[str, set[str]] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def add(self, pid: str, title: str, status: str, *variants: CatalogueVariant) -> None:
        self.products[pid] = CatalogueProduct(pid, title, status, variants)
        self.channels[pid] = {ONLINE} if status == "ACTIVE" else set()

    def status(self, pid: str) -> str:
        return self.products[pid].status

    def catalogue(self, *, page_size: int = 100) -> list[CatalogueProduct]:
        return list(self.products.values())

    def set_product_status(self, product_id: str, status: str) -> None:
        self.calls.append(("status", status))
        self.products[product_id] = replace(self.products[product_id], status=status)

    def product_publications(self, product_id: str) -> tuple[str, ...]:
        return tuple(sorted(self.channels[product_id]))

    def unpublish_product(self, product_id: str, publications: Sequence[str]) -> None:
        self.calls.append(("unpublish", product_id))
        self.channels[product_id] -= set(publications)

    def publish_product(self, product_id: str, publications: Sequence[str]) -> None:
        self.calls.append(("publish", product_id))
        self.channels[product_id] |= set(publications)

    def push_product_fields(self, product_id: str, changes: Sequence[FieldChange]) -> None:
        product = self.products[product_id]
        for change in changes:
            self.calls.append(("field", change.field))
            if change.field == "title":
                product = replace(product, title=str(change.value))
            else:
                name = {"weight": "weight_kg"}.get(change.field, change.field)
                variants = tuple(
                    replace(v, **{name: change.value}) if v.variant_id == change.variant_id else v
                    for v in product.variants
                )
                product = replace(product, variants=variants)
        self.products[product_id] = product

    def order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        self.calls.append(("written_back", erp_number))


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

    def sweep(self) -> None:
        self._run(catalogue_sync.KIND, {}, catalogue_sync.handle)

    def run_order(self, order_id: str, topic: str = "orders/paid") -> None:
        self._run(orders.KIND, {"order_id": order_id, "topic": topic}, orders.handle)

    def _run(self, kind: str, payload: dict[str, Any], handle: Any) -> None:
        self.jobs += 1
        job = Job(
            id=self.jobs,
            kind=kind,
            entity_key=kind,
            payload=payload,
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=None,
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        handle(job, self.context())

    def problems(self, status: str = "open") -> list[tuple[str, str, int]]:
        with self.store.begin() as conn:
            rows = conn.execute(
                sa.select(problems.c.kind, problems.c.entity_id, problems.c.count)
                .where(problems.c.status == status)
                .order_by(problems.c.id)
            )
            return [(row.kind, row.entity_id, row.count) for row in rows]

    def steps(self, entity_id: str) -> list[str]:
        with self.store.begin() as conn:
            query = sa.select(trail.c.step).where(trail.c.entity_id == entity_id).order_by(trail.c.id)
            return [row.step for row in conn.execute(query)]

    def gates(self) -> set[str]:
        with self.context().uow.begin() as tx:
            return set(tx.catalogue_gates("uk"))


def make_settings(**extra: Any) -> Settings:
    shop = {
        "name": "uk",
        "domain": "uk.myshopify.com",
        "access_token": {"env": "FLOW_TOKEN"},
        "webhook_secrets": [{"env": "FLOW_TOKEN"}],
    }
    return parse_settings({"shops": [shop], "bundles": {"SET-1": {"MUG-01": 2, "TEE-M": 1}}, **extra})


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    erp = MemoryErp()
    for sku in ("TEE-S", "TEE-M", "MUG-01"):
        erp.add_item(sku, f"ERP {sku}", price=Decimal("10.00"))
    shopify = FakeShopify()
    shopify.add(TEE, "Classic Tee", "ACTIVE", variant(1, "TEE-S"), variant(2, "TEE-M"))
    shopify.add(MUG, "Coffee Mug", "ACTIVE", variant(3, "MUG-01", "9.50"))
    return Harness(sqlite_store, fake_clock, erp, shopify, make_settings())


def test_a_catalogue_the_erp_sells_whole_is_left_alone(harness: Harness) -> None:
    harness.sweep()
    assert harness.shopify.calls == [] and harness.problems() == []
    assert harness.gates() == set()


def test_a_product_whose_sku_the_erp_lacks_is_drafted_then_released_when_the_item_appears(
    harness: Harness,
) -> None:
    harness.shopify.add(TEE, "Classic Tee", "ACTIVE", variant(1, "TEE-S"), variant(2, "TEE-XL"))
    harness.sweep()
    harness.sweep()  # still missing: one problem, counted twice
    assert harness.shopify.status(TEE) == "DRAFT"
    assert harness.problems() == [("product_gated", TEE, 2)]
    harness.erp.add_item("TEE-XL")
    harness.sweep()
    assert harness.shopify.status(TEE) == "ACTIVE" and harness.gates() == set()
    assert harness.problems() == [] and harness.problems("resolved") == [("product_gated", TEE, 2)]
    assert harness.steps(TEE) == ["gated", "released"]


def test_a_product_whose_item_becomes_inactive_is_withdrawn_and_comes_back(harness: Harness) -> None:
    harness.sweep()
    harness.erp.set_item_active("MUG-01", False)
    harness.sweep()
    assert harness.shopify.status(MUG) == "DRAFT" and harness.steps(MUG) == ["withdrawn"]
    harness.erp.set_item_active("MUG-01", True)
    harness.sweep()
    assert harness.shopify.status(MUG) == "ACTIVE" and harness.problems() == []


def test_a_product_a_person_drafted_is_never_published_by_shopbridge(harness: Harness) -> None:
    harness.shopify.add(MUG, "Coffee Mug", "DRAFT", variant(3, "MUG-01"))
    harness.sweep()
    harness.sweep()
    assert harness.shopify.status(MUG) == "DRAFT" and harness.shopify.calls == []


def test_an_unlisted_product_is_released_to_unlisted(harness: Harness) -> None:
    harness.shopify.add(MUG, "Coffee Mug", "UNLISTED", variant(3, "MUG-02"))
    harness.sweep()
    harness.erp.add_item("MUG-02")
    harness.sweep()
    assert harness.shopify.calls == [("status", "DRAFT"), ("status", "UNLISTED")]


def test_a_gate_lifted_by_hand_while_the_erp_still_lacks_the_item_is_applied_again(harness: Harness) -> None:
    harness.shopify.add(MUG, "Coffee Mug", "ACTIVE", variant(3, "MUG-02"))
    harness.sweep()
    harness.shopify.set_product_status(MUG, "ACTIVE")
    harness.sweep()
    assert harness.shopify.status(MUG) == "DRAFT" and harness.steps(MUG) == ["gated", "gated_again"]


def test_a_product_archived_while_gated_is_forgotten_without_being_touched(harness: Harness) -> None:
    harness.shopify.add(MUG, "Coffee Mug", "ACTIVE", variant(3, "MUG-02"))
    harness.sweep()
    harness.shopify.products[MUG] = replace(harness.shopify.products[MUG], status="ARCHIVED")
    harness.erp.add_item("MUG-02")
    harness.sweep()
    assert harness.shopify.status(MUG) == "ARCHIVED" and harness.gates() == set()


def test_unpublish_mode_takes_the_product_off_its_channels_and_puts_it_back(harness: Harness) -> None:
    harness.settings = make_settings(catalogue={"gate": "unpublish"})
    harness.erp.set_item_active("MUG-01", False)
    harness.sweep()
    assert harness.shopify.channels[MUG] == set() and harness.shopify.status(MUG) == "ACTIVE"
    harness.shopify.channels[MUG] = {ONLINE}  # someone puts it back on the store by hand
    harness.sweep()
    assert harness.shopify.channels[MUG] == set()
    harness.erp.set_item_active("MUG-01", True)
    harness.sweep()
    assert harness.shopify.channels[MUG] == {ONLINE}
    assert harness.shopify.calls == [("unpublish", MUG), ("unpublish", MUG), ("publish", MUG)]


def test_with_status_owned_by_shopify_nothing_is_gated(harness: Harness) -> None:
    harness.settings = make_settings(ownership={"status": "shopify"})
    harness.erp.set_item_active("MUG-01", False)
    harness.sweep()
    assert harness.shopify.status(MUG) == "ACTIVE" and harness.problems() == []


def test_a_bundle_is_gated_by_its_components(harness: Harness) -> None:
    bundle = "gid://shopify/Product/9"
    harness.shopify.add(bundle, "Breakfast Set", "ACTIVE", variant(9, "SET-1", "27.00"))
    harness.sweep()
    assert harness.shopify.status(bundle) == "ACTIVE"
    harness.erp.set_item_active("TEE-M", False)
    harness.sweep()
    assert harness.shopify.status(bundle) == "DRAFT" and harness.shopify.status(TEE) == "DRAFT"


def test_a_duplicate_sku_raises_one_problem_counted_on_each_sweep_and_resolved_when_fixed(
    harness: Harness,
) -> None:
    harness.shopify.add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01", "8.00"))
    harness.sweep()
    harness.sweep()
    assert harness.problems() == [("duplicate_sku", "MUG-01", 2)]
    harness.shopify.add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01-OLD", "8.00"))
    harness.sweep()
    assert ("duplicate_sku", "MUG-01", 2) in harness.problems("resolved")
    assert harness.steps("sku:MUG-01") == ["duplicate_sku", "duplicate_sku_fixed"]


def test_an_order_with_a_duplicate_sku_waits_until_the_sku_is_fixed(harness: Harness) -> None:
    order_id = "gid://shopify/Order/1001"
    harness.shopify.orders[order_id] = paid_order(order_id, "MUG-01")
    harness.shopify.add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01", "8.00"))
    harness.sweep()
    harness.run_order(order_id)
    assert sync_status(harness, order_id) is SyncStatus.QUARANTINED
    assert harness.erp.count_sales_orders("#1001") == 0
    kinds = [(kind, entity) for kind, entity, _ in harness.problems()]
    assert kinds == [("duplicate_sku", "MUG-01"), ("duplicate_sku", order_id)]
    # The ERP has MUG-01 active, yet the items sweep must not release an ambiguous order.
    with harness.context().uow.begin() as tx:
        waiting = tx.quarantined_orders()
    assert quarantine_release.release_ready(harness.context(), waiting, hint={"MUG-01"}) == 0
    harness.shopify.add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01-OLD", "8.00"))
    harness.sweep()  # the fix: the sweep asks for the order's job again
    harness.run_order(order_id, topic="release")
    assert harness.erp.count_sales_orders("#1001") == 1 and harness.problems() == []


def test_erp_owned_fields_are_pushed_and_shopify_owned_ones_are_not(harness: Harness) -> None:
    harness.erp.add_item(
        "MUG-01", "ERP MUG", price=Decimal("11.00"), barcode="5012345678900", weight_kg=Decimal("0.4")
    )
    harness.sweep()
    mug = harness.shopify.products[MUG]
    assert (mug.variants[0].barcode, mug.variants[0].weight_kg) == ("5012345678900", Decimal("0.4"))
    assert (mug.title, mug.variants[0].price) == ("Coffee Mug", Decimal("9.50"))  # Shopify's
    calls = len(harness.shopify.calls)
    harness.sweep()  # already equal: nothing more is written
    assert len(harness.shopify.calls) == calls and harness.steps(MUG) == ["fields_pushed"]


def test_with_title_and_price_owned_by_the_erp_both_are_pushed(harness: Harness) -> None:
    harness.settings = make_settings(ownership={"title": "erp", "price": "erp"})
    harness.sweep()
    mug = harness.shopify.products[MUG]
    assert (mug.title, mug.variants[0].price) == ("ERP MUG-01", Decimal("10.00"))


def paid_order(order_id: str, sku: str) -> Order:
    return Order(
        shopify_id=order_id,
        name="#1001",
        currency="GBP",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        lines=(OrderLine("gid://shopify/LineItem/1", sku, 1, Money.of("9.50", "GBP")),),
        customer=Customer(email="ada@example.com", first_name="Ada"),
        financial_status=FinancialStatus.PAID,
        taxes_included=True,
    )


def sync_status(harness: Harness, order_id: str) -> SyncStatus | None:
    with harness.context().uow.begin() as tx:
        sync = tx.order_sync("uk", order_id)
    return None if sync is None else sync.status


def test_an_order_held_on_a_duplicate_then_on_a_missing_item_says_only_what_it_waits_for(
    harness: Harness,
) -> None:
    order_id = "gid://shopify/Order/1002"
    harness.shopify.orders[order_id] = paid_order(order_id, "HAT-01")
    harness.shopify.add(OLD_MUG, "Hat", "ACTIVE", variant(4, "HAT-01"), variant(5, "HAT-01"))
    harness.sweep()
    harness.run_order(order_id)
    harness.shopify.add(OLD_MUG, "Hat", "ACTIVE", variant(4, "HAT-01"), variant(5, "HAT-02"))
    harness.sweep()
    harness.run_order(order_id, topic="orders/updated")  # the ERP has no HAT-01 yet
    waiting = [(kind, entity) for kind, entity, _ in harness.problems() if entity == order_id]
    assert waiting == [("unknown_sku", order_id)]
    assert sync_status(harness, order_id) is SyncStatus.QUARANTINED
