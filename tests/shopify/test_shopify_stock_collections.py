"""The stock push reads each variant's product collections from Shopify (what collection buffer rules
match on), against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.sandbox.shopify.resolvers.collections import add_collection, add_products
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def test_stock_items_carry_their_products_collections(client: ShopifyClient, sandbox: SandboxServer) -> None:
    state = sandbox.state
    tee = next(p for p in state.products.values() if p["title"] == "Classic Tee")
    for title in ("Fragile", "Summer Sale"):
        add_products(state, add_collection(state, title)["id"], [tee["id"]])
    items = {item.sku: item for item in client.stock_items(["TEE-M", "MUG-01"])}
    assert items["TEE-M"].collections == ("fragile", "summer-sale")
    assert items["MUG-01"].collections == ()


def test_the_whole_catalogue_read_keeps_collections_within_the_query_cost(
    client: ShopifyClient, sandbox: SandboxServer
) -> None:
    state = sandbox.state
    tee = next(p for p in state.products.values() if p["title"] == "Classic Tee")
    add_products(state, add_collection(state, "Fragile")["id"], [tee["id"]])
    skus = [v["sku"] for v in state.variants.values() if v.get("sku")]
    many = skus + [f"NOT-IN-SHOPIFY-{n}" for n in range(40)]  # more than a few: the paged read
    items = {item.sku: item for item in client.stock_items(many)}
    assert set(items) == set(skus)
    assert items["TEE-S"].collections == ("fragile",)
