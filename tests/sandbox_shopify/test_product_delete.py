"""``productDelete``: the product, its variants and inventory go; an unknown id is a user error."""

from __future__ import annotations

from sandbox_catalog_support import GraphQL, data_of

from shopbridge.sandbox.shopify.server import SandboxServer

DELETE = (
    "mutation($input: ProductDeleteInput!) { productDelete(input: $input) {"
    " deletedProductId shop { id } userErrors { field message } } }"
)
VARIANTS_OF = "query($q: String) { productVariants(first: 50, query: $q) { nodes { id sku } } }"


def test_a_deleted_product_takes_its_variants_and_inventory_with_it(
    sandbox: SandboxServer, gql: GraphQL
) -> None:
    state = sandbox.state
    mug = next(p for p in state.products.values() if p["title"] == "Coffee Mug")
    items = [state.variants[v]["inventory_item_id"] for v in mug["variant_ids"]]
    seen: list[tuple[str, dict[str, object]]] = []
    state.events.subscribe(lambda topic, body: seen.append((topic, body)))
    answer = data_of(gql(DELETE, {"input": {"id": mug["id"]}}))["productDelete"]
    assert answer == {"deletedProductId": mug["id"], "shop": {"id": "gid://shopify/Shop/1"}, "userErrors": []}
    number = mug["id"].rsplit("/", 1)[-1]
    assert data_of(gql(VARIANTS_OF, {"q": f"product_id:{number}"}))["productVariants"]["nodes"] == []
    assert mug["id"] not in state.products
    assert not any(key[0] in items for key in state.inventory_levels)
    assert ("products/delete", {"id": int(number)}) in seen


def test_deleting_an_unknown_product_is_a_user_error(gql: GraphQL) -> None:
    answer = data_of(gql(DELETE, {"input": {"id": "gid://shopify/Product/999999"}}))["productDelete"]
    assert answer["deletedProductId"] is None
    assert answer["userErrors"] == [{"field": ["id"], "message": "Product does not exist"}]
