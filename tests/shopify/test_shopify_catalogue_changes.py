"""The catalogue sweep's incremental reads against the sandbox: products changed since a time, then
those products whole (a deleted one reads back absent)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.ports.shopify import ShopifyCatalogueChanges
from shopbridge.sandbox.shopify.resolvers.product_delete import delete_product
from shopbridge.sandbox.shopify.server import SandboxServer

LATER = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)  # after every seeded product's updatedAt


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def product_id(sandbox: SandboxServer, title: str) -> str:
    return next(str(p["id"]) for p in sandbox.state.products.values() if p["title"] == title)


def test_the_client_answers_the_change_reads(client: ShopifyClient) -> None:
    assert isinstance(client, ShopifyCatalogueChanges)


def test_only_the_products_updated_since_the_time_are_listed(
    client: ShopifyClient, sandbox: SandboxServer
) -> None:
    mug = product_id(sandbox, "Coffee Mug")
    assert client.products_updated_since(LATER) == ()
    sandbox.state.clock = lambda: LATER + timedelta(minutes=5)
    client.set_product_status(mug, "DRAFT")
    assert client.products_updated_since(LATER) == (mug,)
    assert client.products_updated_since(LATER + timedelta(minutes=5)) == (mug,)  # at or after
    assert client.products_updated_since(LATER + timedelta(minutes=6)) == ()


def test_products_are_read_whole_as_the_catalogue_reads_them_and_a_deleted_one_is_absent(
    client: ShopifyClient, sandbox: SandboxServer
) -> None:
    whole = {p.product_id: p for p in client.catalogue()}
    tee, mug = product_id(sandbox, "Classic Tee"), product_id(sandbox, "Coffee Mug")
    pages: list[dict[str, Any]] = []
    execute = client.execute

    def counting(name: str, variables: Any = None, *, key: str | None = None) -> Any:
        data = execute(name, variables, key=key)
        pages.append(data)
        return data

    client.execute = counting  # type: ignore[method-assign]
    read = client.catalogue_products([tee, mug, "gid://shopify/Product/999999"], page_size=2)
    assert read == [whole[tee], whole[mug]]
    returned = sum(len(page["productVariants"]["nodes"]) for page in pages)
    assert returned == len(whole[tee].variants) + len(whole[mug].variants)  # nothing else was read
    delete_product(sandbox.state, mug)
    assert client.catalogue_products([tee, mug]) == [whole[tee]]


def test_existence_is_checked_without_reading_variants(client: ShopifyClient, sandbox: SandboxServer) -> None:
    tee, mug = product_id(sandbox, "Classic Tee"), product_id(sandbox, "Coffee Mug")
    delete_product(sandbox.state, mug)
    assert client.existing_products([tee, mug, "gid://shopify/Product/999999"]) == frozenset({tee})
    assert client.existing_products([]) == frozenset()
