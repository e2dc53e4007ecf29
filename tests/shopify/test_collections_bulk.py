"""Every product's collection handles in one bulk operation read the same as Product.collections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import GraphQLSchema, parse, validate

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.collections_bulk import COLLECTIONS_QUERY, handles_from_lines
from shopbridge.sandbox.shopify.resolvers.collections import add_collection, add_products
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def test_the_bulk_query_is_valid_against_the_admin_schema(admin_schema: GraphQLSchema) -> None:
    assert validate(admin_schema, parse(COLLECTIONS_QUERY)) == []


def test_bulk_handles_name_every_product_and_its_custom_collections(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    sandbox.state.bulk_timing.base_s = 0.05
    products = sorted(str(p["id"]) for p in sandbox.state.products.values())
    tee = next(str(p["id"]) for p in sandbox.state.products.values() if p["title"] == "Classic Tee")
    for title in ("Zeta Sale", "Alpha Fragile"):  # custom collections, as collectionAddProducts fills them
        add_products(sandbox.state, add_collection(sandbox.state, title)["id"], [tee])

    handles = client.collection_handles_in_bulk()

    assert sorted(handles) == products
    assert handles[tee] == ("alpha-fragile", "zeta-sale")
    assert all(handles[p] == () for p in products if p != tee)


def test_collections_are_put_back_under_their_product_wherever_they_come_in_the_file() -> None:
    lines = [
        {"id": "gid://shopify/Product/1"},
        {"id": "gid://shopify/Product/2"},
        {"handle": "sale", "__parentId": "gid://shopify/Product/1"},
        {"handle": "fragile", "__parentId": "gid://shopify/Product/2"},
        {"handle": "bulky", "__parentId": "gid://shopify/Product/1"},
    ]
    assert handles_from_lines(lines) == {
        "gid://shopify/Product/1": ("bulky", "sale"),
        "gid://shopify/Product/2": ("fragile",),
    }
