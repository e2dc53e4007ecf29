"""Custom collections: created, products added, read back through Product.collections."""

from __future__ import annotations

from sandbox_catalog_support import GraphQL, data_of

from shopbridge.sandbox.shopify.server import SandboxServer

CREATE = (
    "mutation($input: CollectionInput!) { collectionCreate(input: $input) {"
    " collection { id handle title productsCount { count } } userErrors { field message } } }"
)
ADD = (
    "mutation($id: ID!, $ids: [ID!]!) { collectionAddProducts(id: $id, productIds: $ids) {"
    " collection { id products(first: 10) { nodes { id } } } userErrors { field message } } }"
)
PRODUCT_COLLECTIONS = (
    "query($id: ID!) { product(id: $id) { collections(first: 10) { nodes { handle title } } } }"
)


def _product_id(sandbox: SandboxServer, title: str) -> str:
    return next(p["id"] for p in sandbox.state.products.values() if p["title"] == title)


def test_a_product_added_to_a_collection_lists_it(sandbox: SandboxServer, gql: GraphQL) -> None:
    tee = _product_id(sandbox, "Classic Tee")
    created = data_of(gql(CREATE, {"input": {"title": "Summer Sale", "products": [tee]}}))["collectionCreate"]
    assert created["userErrors"] == []
    assert created["collection"]["handle"] == "summer-sale"
    assert created["collection"]["productsCount"] == {"count": 1}
    fragile = {"input": {"title": "Fragile", "handle": "fragile-goods"}}
    other = data_of(gql(CREATE, fragile))["collectionCreate"]
    added = data_of(gql(ADD, {"id": other["collection"]["id"], "ids": [tee]}))["collectionAddProducts"]
    assert added["userErrors"] == []
    assert added["collection"]["products"]["nodes"] == [{"id": tee}]
    read = data_of(gql(PRODUCT_COLLECTIONS, {"id": tee}))["product"]["collections"]["nodes"]
    assert read == [
        {"handle": "summer-sale", "title": "Summer Sale"},
        {"handle": "fragile-goods", "title": "Fragile"},
    ]


def test_a_product_in_no_collection_lists_none(sandbox: SandboxServer, gql: GraphQL) -> None:
    tee = _product_id(sandbox, "Classic Tee")
    assert data_of(gql(PRODUCT_COLLECTIONS, {"id": tee}))["product"]["collections"]["nodes"] == []


def test_collection_mutations_refuse_bad_input(sandbox: SandboxServer, gql: GraphQL) -> None:
    blank = data_of(gql(CREATE, {"input": {"title": " "}}))["collectionCreate"]
    assert blank["collection"] is None
    assert blank["userErrors"] == [{"field": ["title"], "message": "Title can't be blank"}]
    missing = data_of(gql(ADD, {"id": "gid://shopify/Collection/999", "ids": []}))["collectionAddProducts"]
    assert missing["collection"] is None and missing["userErrors"][0]["field"] == ["id"]


def test_collections_query_finds_by_handle(sandbox: SandboxServer, gql: GraphQL) -> None:
    for title in ("Summer Sale", "Winter"):
        data_of(gql(CREATE, {"input": {"title": title}}))
    found = data_of(gql('{ collections(first: 5, query: "handle:winter") { nodes { title } } }'))
    assert found["collections"]["nodes"] == [{"title": "Winter"}]
