"""The standard catalogue: what a fresh sandbox shop sells and where it keeps stock.

Two locations, an online-store publication, simple and multi-variant products, a variant whose
SKU duplicates another product's (Shopify allows it), and a bundle made of other variants.
Quantities are drawn from ``seed`` so a run can be repeated exactly.
"""

from __future__ import annotations

import random
from typing import Any

from . import inventory_model as inv
from .resolvers.products import add_location, add_product, add_publication, add_variant
from .state import ShopState

CATALOGUE: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Classic Tee",
        "ACTIVE",
        (("Small", "TEE-S", "15.00"), ("Medium", "TEE-M", "15.00"), ("Large", "TEE-L", "16.50")),
    ),
    ("Coffee Mug", "ACTIVE", (("Default Title", "MUG-01", "9.50"),)),
    ("Water Bottle", "ACTIVE", (("Default Title", "BOTTLE-01", "12.00"),)),
    ("Enamel Mug (old stock)", "DRAFT", (("Default Title", "MUG-01", "8.00"),)),
    ("Tote Bag", "ARCHIVED", (("Default Title", "TOTE-01", "7.25"),)),
)
BUNDLE = ("Breakfast Set", "BUNDLE-BRK", "27.00", (("MUG-01", 2), ("TEE-M", 1)))


def seed_catalogue(state: ShopState, seed: int | None = 7) -> dict[str, Any]:
    """Fill an empty shop with the standard catalogue; returns the ids tests usually need."""
    rng = random.Random(seed)
    locations = [
        add_location(
            state, "Main Warehouse", address1="1 Dock Road", city="London", zip="E1 1AA", countryCode="GB"
        ),
        add_location(
            state, "High Street Shop", address1="5 High Street", city="Leeds", zip="LS1 1AA", countryCode="GB"
        ),
    ]
    online = add_publication(state, "Online Store")
    skus: dict[str, list[str]] = {}
    for title, status, variants in CATALOGUE:
        product = add_product(state, title, status=status, vendor="Sandbox Goods", product_type="Merch")
        if status == "ACTIVE":
            product["publication_ids"].append(online["id"])
            product["published_at"] = product["created_at"]
        for name, sku, price in variants:
            variant = add_variant(state, product["id"], sku=sku, price=price, title=name, unit_cost="3.10")
            skus.setdefault(sku, []).append(variant["id"])
            for loc in locations:
                inv.activate(state, variant["inventory_item_id"], loc["id"], rng.randint(5, 40))
    skus[BUNDLE[1]] = [_bundle(state, skus, online["id"])]
    return {
        "locations": [loc["id"] for loc in locations],
        "publication": online["id"],
        "variants_by_sku": skus,
    }


def _bundle(state: ShopState, skus: dict[str, list[str]], publication_id: str) -> str:
    title, sku, price, parts = BUNDLE
    product = add_product(state, title, status="ACTIVE", vendor="Sandbox Goods", product_type="Bundle")
    product["publication_ids"].append(publication_id)
    components = [{"variant_id": skus[part][0], "quantity": qty} for part, qty in parts]
    variant = add_variant(state, product["id"], sku=sku, price=price, tracked=False, components=components)
    return str(variant["id"])
