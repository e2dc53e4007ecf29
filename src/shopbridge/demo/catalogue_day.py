"""The demo day's catalogue: a product gated then released, one that stays gated, a duplicate SKU.

After the orders have settled, the merchandiser adds three products in Shopify:

* a garden kneeler the ERP holds inactive (not yet approved for sale): the catalogue sweep drafts it;
  later in the day the ERP activates the item and the next sweep releases the product;
* a mystery box the ERP never gets: it stays DRAFT, with a problem for merchandising;
* a gift edition of the water bottle that reuses the bottle's SKU (Shopify allows it): a duplicate,
  like the seeded old-stock mug that shares the coffee mug's SKU.

The counts in the report are read from the Shopify sandbox's own state: products in DRAFT that
shopbridge gated, and SKUs on more than one variant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shopbridge.demo.stack import SHOP_NAME, DemoStack
from shopbridge.engine import queue
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant

__all__ = ["CatalogueDay", "merge_stock"]

RELEASED = ("Garden Kneeler", "KNEELER-01", Decimal("18.00"))  # inactive in the ERP, activated later
NEVER_IN_ERP = ("Mystery Box", "MYSTERY-01", Decimal("25.00"))
DUPLICATE = ("Water Bottle (gift edition)", "BOTTLE-01", Decimal("14.00"))


class CatalogueDay:
    """The catalogue phase of the demo day, and what it found."""

    def __init__(self, stack: DemoStack) -> None:
        self.stack = stack
        self.gated_first: list[str] = []
        self.product_ids: dict[str, str] = {}

    def run(self) -> None:
        """New products in Shopify, a sweep, the ERP activates the kneeler, another sweep."""
        for title, sku, price in (RELEASED, NEVER_IN_ERP, DUPLICATE):
            self.product_ids[title] = self._shopify_product(title, sku, price)
        name, sku, price = RELEASED
        self.stack.erp.add_item(sku, name, price)
        self.stack.erp.set_item_active(sku, False)
        self._sweep()
        self.gated_first = self._gated_titles()
        self.stack.erp.set_item_active(sku, True)
        self._sweep()

    def report(self) -> dict[str, Any]:
        """The day's catalogue in the report: what was gated, released, and the duplicate SKUs."""
        gated_now = self._gated_titles()
        duplicates = self._duplicate_skus()
        return {
            "gated_during_the_day": self.gated_first,
            "released": sorted(set(self.gated_first) - set(gated_now)),
            "still_gated": gated_now,
            "duplicate_skus": duplicates,
            "stock": {"gated_products": len(gated_now), "duplicate_skus": len(duplicates)},
        }

    def _shopify_product(self, title: str, sku: str, price: Decimal) -> str:
        assert self.stack.shopify is not None
        state = self.stack.shopify.state
        product = add_product(state, title, status="ACTIVE", vendor="Sandbox Goods", product_type="Merch")
        with state.lock:
            product["publication_ids"].extend(sorted(state.publications))
            product["published_at"] = product["created_at"]
        add_variant(state, product["id"], sku=sku, price=str(price))
        return str(product["id"])

    def _sweep(self) -> None:
        services = self.stack.services
        assert services is not None
        with services.store.begin() as conn:
            queue.enqueue(conn, "sweep.catalogue", {}, shop=SHOP_NAME, now=services.clock.now())
        self.stack.wait_until_idle()

    def _gated_titles(self) -> list[str]:
        """Products DRAFT in the Shopify sandbox because shopbridge gated them (not a person's drafts)."""
        services, shopify = self.stack.services, self.stack.shopify
        assert services is not None and shopify is not None
        with StoreUnitOfWork(services.store, services.clock).begin() as tx:
            gated = set(tx.catalogue_gates(SHOP_NAME))
        with shopify.state.lock:
            products = shopify.state.products
            return sorted(
                p["title"] for gid, p in products.items() if gid in gated and p["status"] == "DRAFT"
            )

    def _duplicate_skus(self) -> list[str]:
        """SKUs on more than one variant, as the Shopify sandbox holds them."""
        assert self.stack.shopify is not None
        state = self.stack.shopify.state
        with state.lock:
            skus = [str(v["sku"]) for v in state.variants.values() if v.get("sku")]
        return sorted({sku for sku in skus if skus.count(sku) > 1})


def merge_stock(report: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    """Put the catalogue's counts into ``report["stock"]`` (created if missing); returns the report."""
    report.setdefault("stock", {}).update(counts)
    return report
