"""Collection buffer rules see every collection of a product: past the first page of ten, and smart
collections (their membership computed by Shopify, here the sandbox) read the same way as custom ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.sandbox.shopify.resolvers.collections import add_collection, add_products
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def counting(client: ShopifyClient) -> list[str]:
    """Record the name of each document the client sends."""
    names: list[str] = []
    execute = client.execute

    def send(name: str, variables: Any = None, *, key: str | None = None) -> Any:
        names.append(name)
        return execute(name, variables, key=key)

    client.execute = send  # type: ignore[method-assign]
    return names


def test_a_product_in_more_than_ten_collections_has_them_all(
    client: ShopifyClient, sandbox: SandboxServer
) -> None:
    state = sandbox.state
    tee = next(p for p in state.products.values() if p["title"] == "Classic Tee")
    handles = [f"edit-{n:02d}" for n in range(12)]
    for handle in handles:
        add_products(state, add_collection(state, handle.title(), handle=handle)["id"], [tee["id"]])
    smart = {
        "appliedDisjunctively": False,
        "rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "merch"}],
    }
    add_collection(state, "All merch", handle="all-merch", rule_set=smart)
    sent = counting(client)
    items = {item.sku: item for item in client.stock_items(["TEE-S", "TEE-M", "TEE-L", "MUG-01"])}
    assert items["TEE-S"].collections == tuple(sorted([*handles, "all-merch"]))
    assert items["TEE-L"].collections == items["TEE-S"].collections
    assert items["MUG-01"].collections == ("all-merch",)  # a smart collection, never added to
    assert sent.count("product_collections") == 1  # the rest of the Tee's, once for its three variants
