"""The B2B price lists sweep on fakes: an ERP with price lists, a Shopify port holding price lists,
catalogs and company locations in memory, and a real store.

Each test runs the sweep and reads what Shopify was sent, the pushed prices, the trail and the
problems. The end-to-end tests against the sandboxes are in tests/e2e/test_price_lists_e2e.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from shopbridge.config import Settings, parse_settings
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.money import Money
from shopbridge.domain.price_lists import FixedPrice, ShopifyPriceList
from shopbridge.domain.records import Price, PriceList
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.job import Job, JobState
from shopbridge.engine.schema import problems, trail
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import BadInput, NeedsPerson
from shopbridge.flows import price_lists_to_catalogs as flow
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.erp import Capability

D = Decimal


@dataclass
class ListsErp(MemoryErp):
    """The in-memory ERP with the price lists a test sets."""

    lists: list[PriceList] = field(default_factory=list)

    def price_lists(self) -> Sequence[PriceList]:
        self._gate(Capability.READ_PRICE_LISTS)
        return list(self.lists)


@dataclass
class FakeShopify:
    """Price lists, catalogs and companies in memory; every write is recorded."""

    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    companies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lists: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def order(self, order_id: str) -> None:
        return None

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        raise AssertionError("not an order flow")

    def variant_ids_by_sku(self, skus: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return {sku: self.variants[sku] for sku in skus if sku in self.variants}

    def company_location_ids(self, company_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return {c: self.companies[c] for c in company_ids if c in self.companies}

    def _view(self, pl: dict[str, Any]) -> ShopifyPriceList:
        return ShopifyPriceList(
            pl["id"], pl["name"], pl["currency"], pl["catalog"], tuple(sorted(pl["locations"]))
        )

    def price_list(self, price_list_id: str) -> ShopifyPriceList | None:
        pl = self.lists.get(price_list_id)
        return None if pl is None else self._view(pl)

    def price_list_named(self, name: str) -> ShopifyPriceList | None:
        found = [pl for pl in self.lists.values() if pl["name"] == name]
        return self._view(found[0]) if found else None

    def create_price_list(self, name: str, currency: str, adjustment_percent: Decimal) -> ShopifyPriceList:
        gid = f"gid://shopify/PriceList/{len(self.lists) + 1}"
        self.lists[gid] = {"id": gid, "name": name, "currency": currency, "catalog": "", "locations": set()}
        self.lists[gid] |= {"prices": {}, "adjustment": adjustment_percent}
        self.calls.append(("create_price_list", name))
        return self._view(self.lists[gid])

    def create_catalog(self, title: str, price_list_id: str, location_ids: Sequence[str]) -> str:
        assert location_ids, "Shopify needs a company location to make a catalog"
        pl = self.lists[price_list_id]
        pl["catalog"] = f"gid://shopify/CompanyLocationCatalog/{len(self.calls) + 1}"
        pl["locations"] = set(location_ids)
        self.calls.append(("create_catalog", tuple(location_ids)))
        return str(pl["catalog"])

    def update_catalog_locations(self, catalog_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        pl = next(pl for pl in self.lists.values() if pl["catalog"] == catalog_id)
        pl["locations"] = (pl["locations"] - set(remove)) | set(add)
        self.calls.append(("update_catalog_locations", (tuple(add), tuple(remove))))

    def update_fixed_prices(
        self, price_list_id: str, currency: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        assert len(upserts) <= 250 and len(deletes) <= 250
        prices = self.lists[price_list_id]["prices"]
        for variant in deletes:
            del prices[variant]
        prices.update({p.variant_id: p.amount for p in upserts})
        self.calls.append(("update_fixed_prices", (len(upserts), len(deletes))))

    def price_calls(self) -> list[tuple[int, int]]:
        return [args for name, args in self.calls if name == "update_fixed_prices"]


def gbp(amount: str) -> Money:
    return Money(D(amount), "GBP")


def trade(**prices: str) -> PriceList:
    return PriceList(
        "TRADE", "GBP", name="Trade prices", prices=tuple(Price(s, gbp(a)) for s, a in prices.items())
    )


@dataclass
class Harness:
    store: Store
    clock: FakeClock
    erp: ListsErp
    shopify: FakeShopify
    settings: Settings

    def context(self) -> FlowContext:
        uow = StoreUnitOfWork(self.store, self.clock)
        return FlowContext(self.erp, self.shopify, uow, self.clock, self.settings, self.settings.shops[0])

    def sweep(self) -> None:
        job = Job(
            id=1,
            kind=flow.KIND,
            entity_key="sweep:price_lists",
            payload={},
            attempts=1,
            max_attempts=None,
            shop="uk",
            dedup_key=None,
            created_at=self.clock.now(),
            state=JobState.RUNNING,
        )
        flow.handle(job, self.context())

    def open_problems(self) -> list[tuple[str, str, str]]:
        with self.store.begin() as conn:
            rows = conn.execute(
                sa.select(problems.c.kind, problems.c.team, problems.c.entity_id).where(
                    problems.c.status == "open"
                )
            )
            return [(row.kind, row.team, row.entity_id) for row in rows]

    def steps(self) -> list[str]:
        with self.store.begin() as conn:
            return [row.step for row in conn.execute(sa.select(trail.c.step).order_by(trail.c.id))]

    def shopify_prices(self) -> dict[str, Decimal]:
        (pl,) = self.shopify.lists.values()
        return dict(pl["prices"])


def settings_with(monkeypatch: pytest.MonkeyPatch, lists: dict[str, Any], **shop: Any) -> Settings:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    return parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "uk.myshopify.com",
                    "access_token": {"env": "FLOW_TOKEN"},
                    "webhook_secrets": [{"env": "FLOW_TOKEN"}],
                    "company_accounts": {"101": "TRADE01", "102": "TRADE02", "103": "RETAIL01"},
                    **shop,
                }
            ],
            "flows": {"prices": True},
            "prices": {"lists": lists},
        }
    )


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    settings = settings_with(monkeypatch, {"TRADE": {"name": "Trade", "accounts": ["TRADE01", "TRADE02"]}})
    erp = ListsErp()
    erp.lists = [trade(**{"TEE-S": "8.00", "TEE-M": "9.00", "MUG-01": "4.00"})]
    shopify = FakeShopify(
        variants={"TEE-S": ("v-s",), "TEE-M": ("v-m",), "MUG-01": ("v-mug",)},
        companies={"101": ("loc-1",), "102": ("loc-2", "loc-3"), "103": ("loc-9",)},
    )
    return Harness(sqlite_store, fake_clock, erp, shopify, settings)


def test_the_first_sweep_makes_the_price_list_and_catalog_for_the_customers_locations(
    harness: Harness,
) -> None:
    harness.sweep()
    (pl,) = harness.shopify.lists.values()
    assert (pl["name"], pl["currency"]) == ("Trade", "GBP")
    assert pl["locations"] == {"loc-1", "loc-2", "loc-3"}
    assert harness.shopify_prices() == {"v-s": D("8.00"), "v-m": D("9.00"), "v-mug": D("4.00")}
    assert harness.shopify.price_calls() == [(3, 0)]
    assert harness.steps() == ["price_list_created", "catalog_created", "prices_pushed"]


def test_a_second_sweep_with_nothing_changed_sends_nothing(harness: Harness) -> None:
    harness.sweep()
    calls = len(harness.shopify.calls)
    harness.sweep()
    assert len(harness.shopify.calls) == calls
    assert len(harness.shopify.lists) == 1


def test_a_price_change_sends_only_the_changed_price_and_a_dropped_sku_is_deleted(harness: Harness) -> None:
    harness.sweep()
    harness.erp.lists = [trade(**{"TEE-S": "7.25", "TEE-M": "9.00"})]
    harness.sweep()
    assert harness.shopify.price_calls() == [(3, 0), (1, 1)]
    assert harness.shopify_prices() == {"v-s": D("7.25"), "v-m": D("9.00")}


def test_six_hundred_prices_go_in_three_calls(harness: Harness) -> None:
    prices = {f"SKU-{i:03}": "1.00" for i in range(600)}
    harness.erp.lists = [trade(**prices)]
    harness.shopify.variants = {sku: (f"v-{sku}",) for sku in prices}
    harness.sweep()
    assert harness.shopify.price_calls() == [(250, 0), (250, 0), (100, 0)]
    assert len(harness.shopify_prices()) == 600


def test_a_currency_mismatch_raises_one_problem_and_sends_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.erp.lists = [replace(trade(), currency="EUR")]
    harness.sweep()
    harness.sweep()
    assert harness.open_problems() == [("price_list_mismatch", "ecommerce", "TRADE")]
    assert harness.shopify.calls == [] and harness.shopify.lists == {}
    with harness.store.begin() as conn:
        (count,) = conn.execute(sa.select(problems.c.count)).one()
    assert count == 2
    harness.erp.lists = [trade(**{"TEE-S": "8.00"})]
    harness.sweep()
    assert harness.open_problems() == []


def test_a_list_mapped_in_another_currency_than_the_erp_list_is_refused(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.settings = settings_with(monkeypatch, {"TRADE": {"currency": "EUR"}})
    harness.sweep()
    assert harness.open_problems() == [("price_list_mismatch", "ecommerce", "TRADE")]
    assert harness.shopify.lists == {}


def test_a_new_customer_location_is_assigned_and_a_dropped_one_unassigned(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.sweep()
    harness.settings = settings_with(
        monkeypatch, {"TRADE": {"name": "Trade", "accounts": ["TRADE01", "RETAIL01"]}}
    )
    harness.sweep()
    (pl,) = harness.shopify.lists.values()
    assert pl["locations"] == {"loc-1", "loc-9"}
    assert ("update_catalog_locations", (("loc-9",), ("loc-2", "loc-3"))) in harness.shopify.calls


def test_the_erps_own_customer_accounts_count(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    harness.settings = settings_with(monkeypatch, {"TRADE": {}})
    harness.erp.lists = [replace(trade(**{"TEE-S": "8.00"}), customer_accounts=("TRADE02",))]
    harness.sweep()
    (pl,) = harness.shopify.lists.values()
    assert (pl["name"], pl["locations"]) == ("TRADE", {"loc-2", "loc-3"})


def test_without_customers_the_price_list_is_made_and_priced_but_no_catalog(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.settings = settings_with(monkeypatch, {"TRADE": {}})
    harness.sweep()
    (pl,) = harness.shopify.lists.values()
    assert pl["catalog"] == "" and len(pl["prices"]) == 3


def test_a_price_list_made_before_a_crash_is_adopted_not_made_twice(harness: Harness) -> None:
    harness.shopify.create_price_list("Trade", "GBP", D(0))
    harness.sweep()
    assert len(harness.shopify.lists) == 1
    assert harness.steps()[0] == "price_list_adopted"


def test_a_price_list_deleted_in_shopify_needs_a_person(harness: Harness) -> None:
    harness.sweep()
    harness.shopify.lists.clear()
    with pytest.raises(NeedsPerson, match="no longer exists"):
        harness.sweep()


def test_a_list_the_erp_does_not_have_is_a_configuration_problem(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.settings = settings_with(monkeypatch, {"NOPE": {}})
    harness.sweep()
    assert harness.open_problems() == [("configuration", "technical", "NOPE")]


def test_an_erp_that_cannot_read_price_lists_is_reported_once(harness: Harness) -> None:
    harness.erp.enabled = harness.erp.enabled - {Capability.READ_PRICE_LISTS}
    harness.sweep()
    assert [kind for kind, _team, _entity in harness.open_problems()] == ["unsupported_operation"]


def test_quantity_breaks_are_not_fixed_prices(harness: Harness) -> None:
    erp_list = trade(**{"TEE-S": "8.00"})
    harness.erp.lists = [
        replace(erp_list, prices=(*erp_list.prices, Price("TEE-S", gbp("6.00"), min_quantity=10)))
    ]
    harness.sweep()
    assert harness.shopify_prices() == {"v-s": D("8.00")}


def test_no_mapping_no_work(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    harness.settings = settings_with(monkeypatch, {})
    harness.sweep()
    assert harness.shopify.calls == [] and harness.steps() == []


def test_a_price_list_another_sweep_made_meanwhile_is_adopted(harness: Harness) -> None:
    create = harness.shopify.create_price_list
    lookups: list[str] = []
    named = harness.shopify.price_list_named

    def look(name: str) -> ShopifyPriceList | None:
        lookups.append(name)
        return named(name)

    def racing(name: str, currency: str, adjustment_percent: Decimal) -> ShopifyPriceList:
        create(name, currency, adjustment_percent)  # the other sweep wins the race
        raise BadInput("Shopify refused price_list_create: Name has already been taken (TAKEN)")

    harness.shopify.price_list_named = look  # type: ignore[method-assign]
    harness.shopify.create_price_list = racing  # type: ignore[method-assign]
    harness.sweep()
    assert len(harness.shopify.lists) == 1 and lookups == ["Trade", "Trade"]
    assert harness.steps()[:2] == ["price_list_adopted", "catalog_created"]
    assert len(harness.shopify_prices()) == 3
