"""Two stores both at #1001 on one ERP: two ERP orders, each cancel and dispatch kept to its store.

Each store has an ``order_reference_prefix`` (``UK-``, ``EU-``); before it, the second store's #1001
was taken for the first's (``existed``) and a dispatch of either went to whichever store looked first.
The fakes are the order and dispatch flow tests' own; the ERP is one :class:`MemoryErp` for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest

from flows.test_dispatch_flow_handler import FakeShopify as FulfilmentShopify
from flows.test_dispatch_flow_handler import shopify_order
from flows.test_order_flow_handler import paid_order
from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.records import Order, SalesOrderStatus
from shopbridge.engine import links
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows import dispatch_to_fulfilment as dispatches
from shopbridge.flows import order_to_sales_order as orders
from shopbridge.flows.spec import FlowContext

ORDER_OF = {"uk": "gid://shopify/Order/501", "eu": "gid://shopify/Order/902"}  # both named #1001


@dataclass
class StoreShopify(FulfilmentShopify):
    """One store: its orders for the order flow, its fulfilment orders for the dispatch flow."""

    orders: dict[str, Order] = field(default_factory=dict)
    written: list[tuple[str, str]] = field(default_factory=list)

    def order(self, order_id: str) -> Order | None:  # type: ignore[override]
        return self.orders.get(order_id)

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        self.written.append((order_id, erp_number))


@dataclass
class TwoStores:
    store: Store
    clock: FakeClock
    erp: MemoryErp
    settings: Settings
    shopify: dict[str, StoreShopify]
    jobs: int = 0

    def context(self, shop: str) -> FlowContext:
        settings = self.settings.shop_by_name(shop)
        assert settings is not None
        return FlowContext(
            erp=self.erp,
            shopify=self.shopify[shop],  # type: ignore[arg-type]
            uow=StoreUnitOfWork(self.store, self.clock),
            clock=self.clock,
            settings=self.settings,
            shop=settings,
        )

    def job(self, shop: str, kind: str, payload: dict[str, Any]) -> Job:
        self.jobs += 1
        return Job(
            self.jobs,
            kind,
            f"{kind}:{self.jobs}",
            payload,
            1,
            None,
            shop,
            None,
            self.clock.now(),
            JobState.RUNNING,
        )

    def order_job(self, shop: str) -> None:
        orders.handle(self.job(shop, orders.KIND, {"order_id": ORDER_OF[shop]}), self.context(shop))

    def dispatch_jobs(self) -> None:
        """Every store's sweep sees the whole ERP feed: each store's job runs for every dispatch."""
        feed = self.erp.dispatches_since(None).items
        for shop in ("uk", "eu"):
            for sent in feed:
                job = self.job(shop, dispatches.KIND, dispatches.dispatch_payload(sent))
                dispatches.handle(job, self.context(shop))

    def sync(self, shop: str) -> OrderSync:
        with self.context(shop).uow.begin() as tx:
            sync = tx.order_sync(shop, ORDER_OF[shop])
        assert sync is not None
        return sync

    def fulfilment_of(self, shop: str, dispatch_id: str) -> str | None:
        with self.store.begin() as conn:
            found = links.find(conn, entity_type=dispatches.LINK, shop=shop, erp_id=dispatch_id)
        return None if found is None else found.shopify_id


def shop(name: str, prefix: str) -> dict[str, Any]:
    return {
        "name": name,
        "domain": f"brand-{name}.myshopify.com",
        "access_token": {"env": "FLOW_TOKEN"},
        "webhook_secrets": [{"env": "FLOW_TOKEN"}],
        "locations": {"1": "WH"},
        "order_reference_prefix": prefix,
    }


@pytest.fixture
def stores(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> TwoStores:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    settings = parse_settings(
        {"shops": [shop("uk", "UK-"), shop("eu", "EU-")], "lookups": {"carriers": {"DPD": "DPD"}}}
    )
    erp = MemoryErp()
    erp.add_item("TEE-M", price=Decimal("10.00"))
    by_shop = {}
    for name, order_id in ORDER_OF.items():
        by_shop[name] = StoreShopify(replace(shopify_order(("TEE-M", 2)), order_id=order_id))
        by_shop[name].orders[order_id] = paid_order(shopify_id=order_id)  # "#1001" in both stores
    return TwoStores(sqlite_store, fake_clock, erp, settings, by_shop)


def test_each_stores_1001_is_its_own_erp_order(stores: TwoStores) -> None:
    stores.order_job("uk")
    stores.order_job("eu")
    assert (stores.erp.count_sales_orders("UK-#1001"), stores.erp.count_sales_orders("EU-#1001")) == (1, 1)
    assert stores.erp.count_sales_orders("#1001") == 0
    uk, eu = stores.sync("uk"), stores.sync("eu")
    assert uk.status is SyncStatus.POSTED and eu.status is SyncStatus.POSTED
    assert uk.erp_number != eu.erp_number  # eu's was not taken for uk's ("existed")
    assert stores.shopify["uk"].written == [(ORDER_OF["uk"], uk.erp_number)]
    assert stores.shopify["eu"].written == [(ORDER_OF["eu"], eu.erp_number)]


def test_a_cancel_reaches_only_its_stores_erp_order(stores: TwoStores) -> None:
    stores.order_job("uk")
    stores.order_job("eu")
    cancelled = paid_order(shopify_id=ORDER_OF["eu"], cancelled_at=stores.clock.now())
    stores.shopify["eu"].orders[ORDER_OF["eu"]] = cancelled
    stores.order_job("eu")
    eu_order, uk_order = stores.erp.find_sales_order("EU-#1001"), stores.erp.find_sales_order("UK-#1001")
    assert eu_order is not None and eu_order.status is SalesOrderStatus.CANCELLED
    assert uk_order is not None and uk_order.status is SalesOrderStatus.OPEN
    assert stores.sync("eu").status is SyncStatus.CANCELLED and stores.sync("uk").status is SyncStatus.POSTED


def test_a_dispatch_goes_back_to_the_store_whose_order_it_is(stores: TwoStores) -> None:
    stores.order_job("uk")
    stores.order_job("eu")
    stores.erp.dispatch("EU-#1001", carrier="DPD", tracking="TRK-EU")
    stores.dispatch_jobs()  # uk's job for it too: uk has a #1001, but EU-#1001 is not uk's
    (sent,) = stores.erp.dispatches_since(None).items
    assert stores.shopify["uk"].created == [] and stores.fulfilment_of("uk", sent.erp_id) is None
    (request,) = stores.shopify["eu"].created
    assert request.numbers == ("TRK-EU",)
    assert stores.fulfilment_of("eu", sent.erp_id) == "gid://shopify/Fulfillment/1"
    stores.erp.dispatch("UK-#1001", carrier="DPD", tracking="TRK-UK")
    stores.dispatch_jobs()  # eu's dispatch again (linked: nothing new) and uk's
    assert [r.numbers for r in stores.shopify["uk"].created] == [("TRK-UK",)]
    assert len(stores.shopify["eu"].created) == 1
