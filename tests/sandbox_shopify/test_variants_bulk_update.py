"""productVariantsBulkUpdate: price, barcode and weight of existing variants, all or nothing."""

from __future__ import annotations

from typing import Any

from sandbox_catalog_support import GraphQL, data_of

UPDATE = """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $p, variants: $v) {
    productVariants { id price barcode inventoryItem { measurement { weight { unit value } } } }
    userErrors { field message code } } }"""
TEE = """{ products(first: 1, query: "title:'Classic Tee'") { nodes { id
  variants(first: 5) { nodes { id price barcode } } } } }"""
MUG = """{ products(first: 1, query: "title:'Coffee Mug'") { nodes { id
  variants(first: 1) { nodes { id } } } } }"""


def tee(gql: GraphQL) -> dict[str, Any]:
    found: dict[str, Any] = data_of(gql(TEE))["products"]["nodes"][0]
    return found


def test_price_barcode_and_weight_are_written(gql: GraphQL) -> None:
    product = tee(gql)
    small = product["variants"]["nodes"][0]["id"]
    weight = {"unit": "KILOGRAMS", "value": 0.25}
    change = {
        "id": small,
        "price": "17.00",
        "barcode": "5012345678900",
        "inventoryItem": {"measurement": {"weight": weight}},
    }
    result = data_of(gql(UPDATE, {"p": product["id"], "v": [change]}))["productVariantsBulkUpdate"]
    assert result["userErrors"] == []
    (variant,) = result["productVariants"]
    assert (variant["price"], variant["barcode"]) == ("17.00", "5012345678900")
    assert variant["inventoryItem"]["measurement"]["weight"] == weight


def test_a_variant_of_another_product_is_refused_and_nothing_is_written(gql: GraphQL) -> None:
    product = tee(gql)
    mine = product["variants"]["nodes"][1]
    other = data_of(gql(MUG))["products"]["nodes"][0]["variants"]["nodes"][0]["id"]
    changes = [{"id": mine["id"], "price": "99.00"}, {"id": other, "price": "1.00"}]
    result = data_of(gql(UPDATE, {"p": product["id"], "v": changes}))["productVariantsBulkUpdate"]
    assert result["productVariants"] is None
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["variants", "1", "id"], "MUST_BE_FOR_THIS_PRODUCT")
    ]
    assert tee(gql)["variants"]["nodes"][1]["price"] == mine["price"]


def test_an_unknown_product_and_a_negative_price_are_user_errors(gql: GraphQL) -> None:
    product = tee(gql)
    small = product["variants"]["nodes"][0]["id"]
    missing = data_of(gql(UPDATE, {"p": "gid://shopify/Product/999999", "v": [{"id": small}]}))
    assert [e["code"] for e in missing["productVariantsBulkUpdate"]["userErrors"]] == [
        "PRODUCT_DOES_NOT_EXIST"
    ]
    negative = data_of(gql(UPDATE, {"p": product["id"], "v": [{"id": small, "price": "-1.00"}]}))
    errors = negative["productVariantsBulkUpdate"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (["variants", "0", "price"], "GREATER_THAN_OR_EQUAL_TO")
    ]
