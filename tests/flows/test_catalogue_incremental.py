"""The catalogue sweep between whole reads: only what changed is read, duplicates come from the SKU index.

The fake Shopify here also answers the incremental reads (``ShopifyCatalogueChanges``): each product
carries the time it last changed (the fake clock's), and the fake counts the whole-catalogue reads and
the products it returned to ``catalogue_products``. The same sweeps on a port without those reads are
``test_catalogue_sync.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import pytest

from flows.test_catalogue_sync import MUG, OLD_MUG, TEE, FakeShopify, Harness, make_settings, variant
from shopbridge.connectors.erp.memory import MemoryErp
from shopbridge.domain.catalogue import CatalogueProduct, CatalogueVariant
from shopbridge.domain.ownership import FieldChange
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.flows import stock_item_refresh
from shopbridge.ports.shopify import ShopifyCatalogueChanges

SWEEP_GAP = 600  # seconds between sweeps: more than the default change overlap (300)


@dataclass
class ChangingShopify(FakeShopify):
    """:class:`FakeShopify` that knows when each product last changed and answers the change reads."""

    clock: FakeClock = field(default_factory=FakeClock)
    changed_at: dict[str, datetime] = field(default_factory=dict)
    whole_reads: int = 0
    products_read: list[list[str]] = field(default_factory=list)  # per incremental read, the products
    existence_checks: list[list[str]] = field(default_factory=list)  # per existence check, the ids asked

    def add(self, pid: str, title: str, status: str, *variants: CatalogueVariant) -> None:
        super().add(pid, title, status, *variants)
        self.changed_at[pid] = self.clock.now()

    def delete(self, pid: str) -> None:
        """``productDelete``: the product and its variants are gone (a deleted product is not listed)."""
        del self.products[pid]
        self.changed_at.pop(pid, None)

    def set_product_status(self, product_id: str, status: str) -> None:
        super().set_product_status(product_id, status)
        self.changed_at[product_id] = self.clock.now()

    def push_product_fields(self, product_id: str, changes: Sequence[FieldChange]) -> None:
        super().push_product_fields(product_id, changes)
        self.changed_at[product_id] = self.clock.now()

    def set_price(self, pid: str, price: str) -> None:
        """A merchant edits a price in Shopify's admin."""
        product = self.products[pid]
        variants = tuple(replace(v, price=Decimal(price)) for v in product.variants)
        self.products[pid] = replace(product, variants=variants)
        self.changed_at[pid] = self.clock.now()

    def catalogue(self, *, page_size: int = 100) -> list[CatalogueProduct]:
        self.whole_reads += 1
        return super().catalogue(page_size=page_size)

    def products_updated_since(self, since: datetime) -> tuple[str, ...]:
        return tuple(pid for pid, at in self.changed_at.items() if at >= since and pid in self.products)

    def catalogue_products(
        self, product_ids: Sequence[str], *, page_size: int = 100
    ) -> list[CatalogueProduct]:
        found = [self.products[pid] for pid in product_ids if pid in self.products]
        self.products_read.append([p.product_id for p in found])
        return found

    def existing_products(self, product_ids: Sequence[str]) -> frozenset[str]:
        self.existence_checks.append(list(product_ids))
        return frozenset(pid for pid in product_ids if pid in self.products)


@pytest.fixture
def harness(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("FLOW_TOKEN", "x")
    erp = MemoryErp()
    for sku in ("TEE-S", "TEE-M", "MUG-01"):
        erp.add_item(sku, f"ERP {sku}", price=Decimal("10.00"))
    shopify = ChangingShopify(clock=fake_clock)
    shopify.add(TEE, "Classic Tee", "ACTIVE", variant(1, "TEE-S"), variant(2, "TEE-M"))
    shopify.add(MUG, "Coffee Mug", "ACTIVE", variant(3, "MUG-01", "9.50"))
    fake_clock.advance(SWEEP_GAP)  # the catalogue is older than the first sweep
    return Harness(sqlite_store, fake_clock, erp, shopify, make_settings())


def shop(harness: Harness) -> ChangingShopify:
    assert isinstance(harness.shopify, ChangingShopify)
    return harness.shopify


def sweep_later(harness: Harness, seconds: float = SWEEP_GAP) -> None:
    harness.clock.advance(seconds)
    harness.sweep()


def test_the_fake_answers_the_change_reads() -> None:
    assert isinstance(ChangingShopify(), ShopifyCatalogueChanges)


def test_the_first_sweep_reads_everything_and_the_second_only_the_product_that_changed(
    harness: Harness,
) -> None:
    harness.sweep()
    assert (shop(harness).whole_reads, shop(harness).products_read) == (1, [])
    sweep_later(harness)
    assert shop(harness).products_read == [[]]  # nothing changed: no product read
    harness.clock.advance(SWEEP_GAP)
    shop(harness).set_price(TEE, "18.00")
    harness.sweep()
    assert shop(harness).whole_reads == 1
    assert shop(harness).products_read[-1] == [TEE]


def test_a_duplicate_created_between_sweeps_is_found_without_reading_the_other_product(
    harness: Harness,
) -> None:
    harness.sweep()
    harness.clock.advance(SWEEP_GAP)
    shop(harness).add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01"))
    harness.sweep()
    assert shop(harness).products_read[-1] == [OLD_MUG]  # the Coffee Mug was not read again
    assert harness.problems() == [("duplicate_sku", "MUG-01", 1)]
    assert harness.steps("sku:MUG-01") == ["duplicate_sku"]
    sweep_later(harness)  # the Enamel Mug's change is still inside this sweep's overlap: read again
    sweep_later(harness)  # it lasts: counted again; its products are only checked, not read
    assert harness.problems() == [("duplicate_sku", "MUG-01", 3)]
    assert shop(harness).products_read[-1] == []
    assert sorted(shop(harness).existence_checks[-1]) == sorted([MUG, OLD_MUG])


def test_deleting_a_duplicate_closes_its_problem_and_leaves_the_index(harness: Harness) -> None:
    shop(harness).add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01"))
    harness.sweep()
    assert harness.problems() == [("duplicate_sku", "MUG-01", 1)]
    shop(harness).delete(OLD_MUG)
    sweep_later(harness)
    assert shop(harness).whole_reads == 1 and shop(harness).products_read[-1] == []
    assert harness.problems() == [] and harness.problems("resolved") == [("duplicate_sku", "MUG-01", 1)]
    with harness.context().uow.begin() as tx:
        assert tx.sku_index_products("uk", ["MUG-01"]) == {MUG}
        assert tx.sku_index_duplicates("uk") == {}


def test_a_duplicate_fixed_by_a_new_sku_closes_from_the_changed_product_alone(harness: Harness) -> None:
    shop(harness).add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-01"))
    harness.sweep()
    harness.clock.advance(SWEEP_GAP)
    shop(harness).add(OLD_MUG, "Enamel Mug", "DRAFT", variant(4, "MUG-02"))
    harness.sweep()
    assert harness.problems() == []
    assert harness.steps("sku:MUG-01") == ["duplicate_sku", "duplicate_sku_fixed"]


def test_an_item_made_inactive_in_the_erp_withdraws_its_product_though_shopify_did_not_change(
    harness: Harness,
) -> None:
    harness.sweep()
    harness.erp.set_item_active("MUG-01", False)
    sweep_later(harness)
    assert shop(harness).products_read[-1] == [MUG]  # from the ERP's item feed, not Shopify's
    assert harness.shopify.status(MUG) == "DRAFT" and harness.steps(MUG) == ["withdrawn"]
    harness.erp.set_item_active("MUG-01", True)
    sweep_later(harness)
    assert harness.shopify.status(MUG) == "ACTIVE" and harness.problems() == []


def test_a_gated_product_waits_and_is_released_when_the_erp_creates_its_item(harness: Harness) -> None:
    harness.shopify.add(TEE, "Classic Tee", "ACTIVE", variant(1, "TEE-S"), variant(2, "TEE-XL"))
    harness.sweep()
    sweep_later(harness)
    assert harness.problems() == [("product_gated", TEE, 2)]
    harness.erp.add_item("TEE-XL")
    sweep_later(harness)
    assert harness.shopify.status(TEE) == "ACTIVE" and harness.gates() == set()
    assert shop(harness).whole_reads == 1


def test_a_gated_product_deleted_in_shopify_is_forgotten(harness: Harness) -> None:
    harness.shopify.add(TEE, "Classic Tee", "ACTIVE", variant(1, "TEE-S"), variant(2, "TEE-XL"))
    harness.sweep()
    shop(harness).delete(TEE)
    sweep_later(harness)
    assert harness.gates() == set() and harness.problems() == []
    assert harness.steps(TEE) == ["gated", "deleted_in_shopify"]


def test_an_erp_owned_field_changed_in_the_erp_is_pushed_to_the_unchanged_product(harness: Harness) -> None:
    harness.settings = make_settings(ownership={"price": "erp"})
    harness.erp.add_item("MUG-01", "ERP MUG-01", price=Decimal("9.50"))
    harness.sweep()
    assert harness.shopify.products[MUG].variants[0].price == Decimal("9.50")
    harness.erp.add_item("MUG-01", "ERP MUG-01", price=Decimal("11.00"))
    sweep_later(harness)
    assert MUG in shop(harness).products_read[-1]
    assert harness.shopify.products[MUG].variants[0].price == Decimal("11.00")
    assert shop(harness).whole_reads == 1


def test_the_periodic_whole_read_heals_a_change_the_incremental_reads_missed(harness: Harness) -> None:
    harness.settings = make_settings(catalogue={"full_every": 3600})
    harness.sweep()
    # A duplicate Shopify's search never reported (no change time): only a whole read can see it.
    harness.shopify.products[OLD_MUG] = CatalogueProduct(
        OLD_MUG, "Enamel Mug", "DRAFT", (variant(4, "TEE-S"),)
    )
    sweep_later(harness)
    assert harness.problems() == [] and shop(harness).whole_reads == 1
    sweep_later(harness, 3600)
    assert shop(harness).whole_reads == 2
    assert harness.problems() == [("duplicate_sku", "TEE-S", 1)]


def test_full_every_zero_reads_the_whole_catalogue_on_every_sweep(harness: Harness) -> None:
    harness.settings = make_settings(catalogue={"full_every": 0})
    harness.sweep()
    sweep_later(harness)
    assert (shop(harness).whole_reads, shop(harness).products_read) == (2, [])


def test_a_failed_sweep_reads_the_same_changes_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.settings = make_settings(ownership={"price": "erp"})
    harness.sweep()
    harness.clock.advance(SWEEP_GAP)
    shop(harness).set_price(TEE, "18.00")  # Shopify does not own the price: the sweep puts it back

    def down(product_id: str, changes: Sequence[FieldChange]) -> None:
        raise RuntimeError("Shopify is down")

    monkeypatch.setattr(harness.shopify, "push_product_fields", down)
    with pytest.raises(RuntimeError):
        sweep_later(harness)
    monkeypatch.undo()
    sweep_later(harness)  # the change is older than this sweep's overlap: only the unmoved cursor finds it
    assert TEE in shop(harness).products_read[-1]
    assert {v.price for v in harness.shopify.products[TEE].variants} == {Decimal("10.00")}


def stale_skus(harness: Harness) -> str | None:
    with harness.context().uow.begin() as tx:
        return tx.cursor(f"{stock_item_refresh.STALE}:uk")


def test_the_changed_products_skus_are_marked_for_the_stock_sweep_to_read_again(harness: Harness) -> None:
    harness.sweep()
    assert stale_skus(harness) is None  # a whole read marks nothing: it would re-read every stock item
    harness.clock.advance(SWEEP_GAP)
    shop(harness).set_price(TEE, "18.00")  # a change in Shopify (a collection, a type: the same read)
    harness.sweep()
    assert stale_skus(harness) == '["TEE-M", "TEE-S"]'
