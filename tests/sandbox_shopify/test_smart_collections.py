"""Smart collections (``CollectionInput.ruleSet``): membership computed from the rules as Shopify
documents it, read the same way as a custom collection's, and following the products as they change."""

from __future__ import annotations

from typing import Any

from sandbox_catalog_support import GraphQL, data_of

from shopbridge.sandbox.shopify.server import SandboxServer

CREATE = (
    "mutation($input: CollectionInput!) { collectionCreate(input: $input) {"
    " collection { id handle productsCount { count } products(first: 20) { nodes { title } }"
    " ruleSet { appliedDisjunctively rules { column relation condition conditionObject { __typename } } } }"
    " userErrors { field message } } }"
)
READ = (
    "query($id: ID!, $p: ID!) { collection(id: $id) { hasProduct(id: $p) productsCount { count }"
    " products(first: 20) { nodes { title } } } }"
)
PRODUCT_COLLECTIONS = "query($id: ID!) { product(id: $id) { collections(first: 10) { nodes { handle } } } }"
UPDATE = (
    "mutation($product: ProductUpdateInput!) { productUpdate(product: $product) {"
    " product { id } userErrors { field message } } }"
)
ADD = (
    "mutation($id: ID!, $ids: [ID!]!) { collectionAddProducts(id: $id, productIds: $ids) {"
    " collection { id } userErrors { field message } } }"
)


def rule(column: str, relation: str, condition: str) -> dict[str, str]:
    return {"column": column, "relation": relation, "condition": condition}


def smart(title: str, *rules: dict[str, str], any_rule: bool = False) -> dict[str, Any]:
    return {"input": {"title": title, "ruleSet": {"appliedDisjunctively": any_rule, "rules": list(rules)}}}


def product_id(sandbox: SandboxServer, title: str) -> str:
    return next(p["id"] for p in sandbox.state.products.values() if p["title"] == title)


def titles(collection: dict[str, Any]) -> list[str]:
    return [n["title"] for n in collection["products"]["nodes"]]


def test_a_type_rule_holds_every_product_of_the_type_whatever_its_case(gql: GraphQL) -> None:
    created = data_of(gql(CREATE, smart("All bundles", rule("TYPE", "EQUALS", "bundle"))))["collectionCreate"]
    assert created["userErrors"] == []
    collection = created["collection"]
    assert titles(collection) == ["Breakfast Set"] and collection["productsCount"] == {"count": 1}
    assert collection["ruleSet"] == {
        "appliedDisjunctively": False,
        "rules": [{"column": "TYPE", "relation": "EQUALS", "condition": "bundle", "conditionObject": None}],
    }


def test_membership_follows_the_product_and_is_read_through_product_collections(
    sandbox: SandboxServer, gql: GraphQL
) -> None:
    created = data_of(gql(CREATE, smart("Fragile", rule("TAG", "EQUALS", "Fragile"))))["collectionCreate"]
    collection_id = created["collection"]["id"]
    mug = product_id(sandbox, "Coffee Mug")
    assert titles(created["collection"]) == []
    data_of(gql(UPDATE, {"product": {"id": mug, "tags": ["fragile", "kitchen"]}}))
    read = data_of(gql(READ, {"id": collection_id, "p": mug}))["collection"]
    assert read["hasProduct"] is True and titles(read) == ["Coffee Mug"]
    held = data_of(gql(PRODUCT_COLLECTIONS, {"id": mug}))["product"]["collections"]["nodes"]
    assert held == [{"handle": "fragile"}]
    data_of(gql(UPDATE, {"product": {"id": mug, "tags": ["kitchen"]}}))
    assert data_of(gql(READ, {"id": collection_id, "p": mug}))["collection"]["hasProduct"] is False
    assert data_of(gql(PRODUCT_COLLECTIONS, {"id": mug}))["product"]["collections"]["nodes"] == []


def test_all_rules_or_any_rule(sandbox: SandboxServer, gql: GraphQL) -> None:
    mugs = (rule("TITLE", "CONTAINS", "MUG"), rule("VENDOR", "EQUALS", "Sandbox Goods"))
    every = data_of(gql(CREATE, smart("Mugs", *mugs)))["collectionCreate"]["collection"]
    assert titles(every) == ["Coffee Mug", "Enamel Mug (old stock)"]
    either = (rule("TITLE", "STARTS_WITH", "water"), rule("TITLE", "ENDS_WITH", "bag"))
    some = data_of(gql(CREATE, smart("Carry", *either, any_rule=True)))["collectionCreate"]["collection"]
    assert titles(some) == ["Water Bottle", "Tote Bag"]
    not_merch = data_of(gql(CREATE, smart("Other", rule("TYPE", "NOT_EQUALS", "MERCH"))))
    assert titles(not_merch["collectionCreate"]["collection"]) == ["Breakfast Set"]
    no_tee = data_of(gql(CREATE, smart("No tee", rule("TITLE", "NOT_CONTAINS", "tee"))))
    assert "Classic Tee" not in titles(no_tee["collectionCreate"]["collection"])


def test_rules_the_sandbox_cannot_answer_faithfully_are_refused(sandbox: SandboxServer, gql: GraphQL) -> None:
    price = data_of(gql(CREATE, smart("Cheap", rule("VARIANT_PRICE", "LESS_THAN", "10"))))["collectionCreate"]
    assert price["collection"] is None
    assert price["userErrors"][0]["field"] == ["ruleSet", "rules", "0", "column"]
    short = data_of(gql(CREATE, smart("Te", rule("TITLE", "CONTAINS", "te"))))["collectionCreate"]
    assert short["userErrors"][0]["field"] == ["ruleSet", "rules", "0", "condition"]
    tag = data_of(gql(CREATE, smart("Tags", rule("TAG", "CONTAINS", "frag"))))["collectionCreate"]
    assert tag["userErrors"][0]["field"] == ["ruleSet", "rules", "0", "relation"]
    made = data_of(gql(CREATE, smart("Bundles", rule("TYPE", "EQUALS", "Bundle"))))["collectionCreate"]
    added = data_of(gql(ADD, {"id": made["collection"]["id"], "ids": [product_id(sandbox, "Coffee Mug")]}))
    assert added["collectionAddProducts"]["collection"] is None
    assert added["collectionAddProducts"]["userErrors"][0]["field"] == ["id"]
