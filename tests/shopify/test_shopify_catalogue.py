"""The catalogue side of the Shopify client against the sandbox: the whole catalogue read flat and
grouped into products, status and channel changes, and ERP-owned fields written."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.domain.catalogue import CatalogueProduct
from shopbridge.domain.ownership import FieldChange
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def by_title(products: list[CatalogueProduct]) -> dict[str, CatalogueProduct]:
    return {p.title: p for p in products}


def test_the_catalogue_comes_back_whole_across_pages_and_grouped_by_product(client: ShopifyClient) -> None:
    products = by_title(client.catalogue(page_size=2))  # 8 variants over 4 pages
    assert [v.sku for v in products["Classic Tee"].variants] == ["TEE-S", "TEE-M", "TEE-L"]
    assert products["Enamel Mug (old stock)"].status == "DRAFT"
    assert products["Tote Bag"].status == "ARCHIVED"
    assert products["Classic Tee"].variants[2].price == Decimal("16.50")
    assert sum(len(p.variants) for p in products.values()) == 8


def test_status_and_channels_change_and_come_back(client: ShopifyClient, sandbox: SandboxServer) -> None:
    mug = by_title(client.catalogue())["Coffee Mug"].product_id
    channels = client.product_publications(mug)
    assert channels == tuple(sandbox.state.publications)
    client.unpublish_product(mug, channels)
    assert client.product_publications(mug) == ()
    client.publish_product(mug, channels)
    client.set_product_status(mug, "DRAFT")
    assert client.product_publications(mug) == channels
    assert by_title(client.catalogue())["Coffee Mug"].status == "DRAFT"


def test_erp_owned_fields_are_written_title_on_the_product_the_rest_on_the_variant(
    client: ShopifyClient,
) -> None:
    tee = by_title(client.catalogue())["Classic Tee"]
    small, medium = tee.variants[0], tee.variants[1]
    changes = [
        FieldChange(tee.product_id, "title", "Classic Tee (organic)", tee.title),
        FieldChange(tee.product_id, "barcode", "5012345678900", "", small.variant_id),
        FieldChange(tee.product_id, "weight", Decimal("0.25"), None, small.variant_id),
        FieldChange(tee.product_id, "price", Decimal("14.00"), small.price, medium.variant_id),
    ]
    client.push_product_fields(tee.product_id, changes)
    after = by_title(client.catalogue())["Classic Tee (organic)"]
    assert (after.variants[0].barcode, after.variants[0].weight_kg) == ("5012345678900", Decimal("0.25"))
    assert (after.variants[1].price, after.variants[0].price) == (Decimal("14.00"), small.price)
