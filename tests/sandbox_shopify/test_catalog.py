"""Locations, products, variants, duplicate SKUs, bundles, status and publication."""

from __future__ import annotations

import pytest
from sandbox_catalog_support import GraphQL, data_of

VARIANTS_BY_SKU = (
    "query($q: String!) { productVariants(first: 10, query: "
    "$q) { nodes { id sku product { title status } } } }"
)


def test_duplicate_skus_are_allowed_and_both_found(gql: GraphQL) -> None:
    nodes = data_of(gql(VARIANTS_BY_SKU, {"q": "sku:MUG-01"}))["productVariants"]["nodes"]
    assert {n["product"]["title"] for n in nodes} == {"Coffee Mug", "Enamel Mug (old stock)"}
    items = data_of(
        gql('{ inventoryItems(first: 10, query: "sku:MUG-01") { nodes { sku duplicateSkuCount } } }')
    )
    assert [i["duplicateSkuCount"] for i in items["inventoryItems"]["nodes"]] == [1, 1]


def test_unknown_sku_finds_nothing(gql: GraphQL) -> None:
    assert data_of(gql(VARIANTS_BY_SKU, {"q": "sku:NOPE"}))["productVariants"]["nodes"] == []


def test_products_search_by_status(gql: GraphQL) -> None:
    found = data_of(gql('{ products(first: 20, query: "status:DRAFT") { nodes { title status } } }'))
    assert found["products"]["nodes"] == [{"title": "Enamel Mug (old stock)", "status": "DRAFT"}]


def test_bundle_variant_lists_its_components(gql: GraphQL) -> None:
    query = (
        '{ productVariants(first: 1, query: "sku:BUNDLE-BRK") { nodes { requiresComponents '
        "productVariantComponents(first: 5) { nodes { quantity productVariant { sku } } } } } }"
    )
    bundle = data_of(gql(query))["productVariants"]["nodes"][0]
    assert bundle["requiresComponents"] is True
    parts = [(c["productVariant"]["sku"], c["quantity"]) for c in bundle["productVariantComponents"]["nodes"]]
    assert parts == [("MUG-01", 2), ("TEE-M", 1)]


def test_product_status_change_and_publication_are_separate(gql: GraphQL) -> None:
    pub = data_of(gql("{ publications(first: 1) { nodes { id } } }"))["publications"]["nodes"][0]["id"]
    product = data_of(gql('{ products(first: 1, query: "status:DRAFT") { nodes { id } } }'))["products"][
        "nodes"
    ][0]["id"]
    update = (
        "mutation($p: ProductUpdateInput!) { productUpdate(product: "
        "$p) { product { status } userErrors { message } } }"
    )
    assert (
        data_of(gql(update, {"p": {"id": product, "status": "ACTIVE"}}))["productUpdate"]["product"]["status"]
        == "ACTIVE"
    )
    read = (
        "query($id: ID!, $pub: ID!) { product(id: $id) { status "
        "publishedOnPublication(publicationId: $pub) } }"
    )
    assert data_of(gql(read, {"id": product, "pub": pub}))["product"]["publishedOnPublication"] is False
    publish = (
        "mutation($id: ID!, $pub: ID!) { publishablePublish(id: $id, input: [{publicationId: $pub}]) "
        "{ userErrors { message } } }"
    )
    assert data_of(gql(publish, {"id": product, "pub": pub}))["publishablePublish"]["userErrors"] == []
    assert data_of(gql(read, {"id": product, "pub": pub}))["product"]["publishedOnPublication"] is True
    unpublish = publish.replace("publishablePublish", "publishableUnpublish")
    data_of(gql(unpublish, {"id": product, "pub": pub}))
    assert data_of(gql(read, {"id": product, "pub": pub}))["product"]["publishedOnPublication"] is False


def test_product_create_then_variants_bulk_create(gql: GraphQL) -> None:
    created = data_of(
        gql(
            'mutation { productCreate(product: {title: "Scarf", status: DRAFT}) '
            "{ product { id handle status } userErrors { message } } }"
        )
    )
    product = created["productCreate"]["product"]
    assert (product["handle"], product["status"]) == ("scarf", "DRAFT")
    bulk = (
        "mutation($id: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkCreate(productId: "
        "$id, variants: $v) "
        "{ productVariants { sku price inventoryItem { tracked } } userErrors { message } } }"
    )
    variants = [
        {
            "price": "19.5",
            "optionValues": [{"optionName": "Title", "name": "Red"}],
            "inventoryItem": {"sku": "SCARF-RED", "tracked": True},
        }
    ]
    made = data_of(gql(bulk, {"id": product["id"], "v": variants}))["productVariantsBulkCreate"]
    assert made["productVariants"] == [
        {"sku": "SCARF-RED", "price": "19.50", "inventoryItem": {"tracked": True}}
    ]


def test_product_create_without_title_is_a_user_error(gql: GraphQL) -> None:
    payload = data_of(
        gql(
            'mutation { productCreate(product: {title: ""}) { product { id } userErrors { field message } } }'
        )
    )
    assert payload["productCreate"] == {
        "product": None,
        "userErrors": [{"field": ["title"], "message": "Title can't be blank"}],
    }


def test_locations_and_node_lookup(gql: GraphQL) -> None:
    locations = data_of(gql("{ locations(first: 5) { nodes { id name isActive } } }"))["locations"]["nodes"]
    assert [loc["name"] for loc in locations] == [
        "High Street Shop",
        "Main Warehouse",
    ]  # default sort key: NAME
    node = data_of(
        gql(
            "query($id: ID!) { node(id: $id) { __typename ... on Location { name } } }",
            {"id": locations[0]["id"]},
        )
    )
    assert node["node"] == {"__typename": "Location", "name": "High Street Shop"}


def test_variant_inventory_quantity_is_available_summed_over_locations(gql: GraphQL) -> None:
    query = (
        '{ productVariants(first: 1, query: "sku:TEE-S") { nodes { inventoryQuantity inventoryItem { '
        'inventoryLevels(first: 5) { nodes { quantities(names: ["available"]) { quantity } } } } } } }'
    )
    variant = data_of(gql(query))["productVariants"]["nodes"][0]
    levels = variant["inventoryItem"]["inventoryLevels"]["nodes"]
    assert variant["inventoryQuantity"] == sum(level["quantities"][0]["quantity"] for level in levels)


@pytest.mark.parametrize("query", ["sku:MUG-01", "sku:'MUG-01'", 'sku:"MUG-01"', "sku:mug-0*"])
def test_sku_search_accepts_quoted_and_prefix_values(gql: GraphQL, query: str) -> None:
    assert len(data_of(gql(VARIANTS_BY_SKU, {"q": query}))["productVariants"]["nodes"]) == 2
