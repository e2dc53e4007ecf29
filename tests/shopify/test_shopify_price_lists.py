"""The client's B2B price list methods against the Shopify sandbox over HTTP: variants by SKU (one
search each for a few SKUs, one walk of every variant for many), company locations, price lists by
id and by name, catalogs and fixed prices."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify import price_lists
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.domain.price_lists import FixedPrice
from shopbridge.errors import BadInput, NeedsPerson
from shopbridge.sandbox.shopify.resolvers.b2b import add_company
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as made:
        yield made


def _documents_sent(client: ShopifyClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []
    execute = client.execute

    def spy(name: str, variables: object = None, **kw: object) -> object:
        sent.append(name)
        return execute(name, variables, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "execute", spy)
    return sent


def test_a_few_skus_are_searched_one_by_one(
    client: ShopifyClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _documents_sent(client, monkeypatch)
    found = client.variant_ids_by_sku(["TEE-M", "MUG-01", "NOPE"])
    assert set(found) == {"TEE-M", "MUG-01"}
    assert all(v.startswith("gid://shopify/ProductVariant/") for ids in found.values() for v in ids)
    assert sent == ["variants_by_sku"] * 3


def test_many_skus_are_found_in_one_walk_and_a_duplicated_sku_gives_every_variant(
    client: ShopifyClient, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = add_product(sandbox.state, "Twin", status="ACTIVE", vendor="T", product_type="T")
    twin = add_variant(sandbox.state, product["id"], sku="TEE-M", price="1.00", title="Twin")
    skus = [f"NONE-{i}" for i in range(price_lists.SEARCH_EACH_UP_TO)] + ["TEE-M", "MUG-01"]
    sent = _documents_sent(client, monkeypatch)
    found = client.variant_ids_by_sku(skus)
    assert set(found) == {"TEE-M", "MUG-01"}
    assert len(found["TEE-M"]) == 2 and str(twin["id"]) in found["TEE-M"]
    assert set(sent) == {"variant_skus"}


def test_company_locations_by_numeric_id_or_gid(client: ShopifyClient, sandbox: SandboxServer) -> None:
    location = {"name": "HQ", "shippingAddress": {"address1": "1 Road", "countryCode": "GB"}}
    company = add_company(sandbox.state, {"name": "Acme"}, None, location)
    numeric = str(company["id"]).rsplit("/", 1)[-1]
    found = client.company_location_ids([numeric, "gid://shopify/Company/999999"])
    assert found == {numeric: (str(company["location_ids"][0]),)}


def test_price_list_catalog_and_fixed_prices_round_trip(
    client: ShopifyClient, sandbox: SandboxServer
) -> None:
    location = {"name": "HQ", "shippingAddress": {"address1": "1 Road", "countryCode": "GB"}}
    company = add_company(sandbox.state, {"name": "Trade Co"}, None, location)
    first, second = client.variant_ids_by_sku(["TEE-S", "TEE-M"]).values()
    created = client.create_price_list("Trade", "GBP", Decimal("10"))
    assert client.price_list_named("Trade") == created
    catalog = client.create_catalog("Trade", created.id, [str(company["location_ids"][0])])
    client.update_fixed_prices(
        created.id,
        "GBP",
        [
            FixedPrice(first[0], "TEE-S", Decimal("8.00")),
            FixedPrice(second[0], "TEE-M", Decimal("9"), Decimal("12")),
        ],
        [],
    )
    client.update_fixed_prices(created.id, "GBP", [], [second[0]])
    read = client.price_list(created.id)
    assert read is not None and read.catalog_id == catalog
    assert read.location_ids == (str(company["location_ids"][0]),)
    held = sandbox.state.price_lists[created.id]["fixed_prices"]
    assert {v: p["price"] for v, p in held.items()} == {first[0]: Decimal("8.00")}
    client.update_catalog_locations(catalog, [], [str(company["location_ids"][0])])
    again = client.price_list(created.id)
    assert again is not None and again.location_ids == ()


def test_a_second_price_list_of_the_same_name_is_refused(client: ShopifyClient) -> None:
    client.create_price_list("Trade", "GBP", Decimal(0))
    with pytest.raises(BadInput, match="already been taken"):
        client.create_price_list("Trade", "GBP", Decimal(0))


def test_an_unknown_price_list_is_none(client: ShopifyClient) -> None:
    assert client.price_list("gid://shopify/PriceList/999999") is None
    assert client.price_list_named("nobody") is None


def test_a_fixed_price_removed_by_hand_is_not_an_error_to_delete(
    client: ShopifyClient, sandbox: SandboxServer
) -> None:
    (small,), (medium,) = client.variant_ids_by_sku(["TEE-S", "TEE-M"]).values()
    created = client.create_price_list("Trade", "GBP", Decimal(0))
    prices = [FixedPrice(small, "TEE-S", Decimal("8")), FixedPrice(medium, "TEE-M", Decimal("9"))]
    client.update_fixed_prices(created.id, "GBP", prices, [])
    del sandbox.state.price_lists[created.id]["fixed_prices"][medium]  # a merchant removed it
    client.update_fixed_prices(created.id, "GBP", [FixedPrice(small, "TEE-S", Decimal("7"))], [medium])
    held = sandbox.state.price_lists[created.id]["fixed_prices"]
    assert {v: p["price"] for v, p in held.items()} == {small: Decimal("7")}


def test_a_refusal_for_another_reason_still_raises(client: ShopifyClient) -> None:
    (small,) = client.variant_ids_by_sku(["TEE-S"]).values()
    created = client.create_price_list("Trade", "GBP", Decimal(0))
    wrong = FixedPrice(small[0], "TEE-S", Decimal("8"))
    with pytest.raises((BadInput, NeedsPerson), match="PRICE_LIST_CURRENCY_MISMATCH"):
        client.update_fixed_prices(created.id, "EUR", [wrong], [])
