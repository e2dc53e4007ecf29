"""B2B fixed price updates and catalog contexts: priceListFixedPricesUpdate (add, replace and delete
in one call), priceListFixedPricesDelete and catalogContextUpdate, with Shopify's user errors."""

from __future__ import annotations

from typing import Any

from sandbox_catalog_support import GraphQL, data_of
from test_b2b import CATALOG, PRICE_LIST, make_company

UPDATE = """mutation($id: ID!, $add: [PriceListPriceInput!]!, $delete: [ID!]!) {
  priceListFixedPricesUpdate(priceListId: $id, pricesToAdd: $add, variantIdsToDelete: $delete) {
    pricesAdded { variant { sku } price { amount } }
    deletedFixedPriceVariantIds
    priceList { fixedPricesCount }
    userErrors { code field message } } }"""
DELETE = """mutation($id: ID!, $ids: [ID!]!) {
  priceListFixedPricesDelete(priceListId: $id, variantIds: $ids) {
    deletedFixedPriceVariantIds userErrors { code field message } } }"""
CONTEXT = """mutation($id: ID!, $add: CatalogContextInput, $remove: CatalogContextInput) {
  catalogContextUpdate(catalogId: $id, contextsToAdd: $add, contextsToRemove: $remove) {
    catalog { id ... on CompanyLocationCatalog { companyLocations(first: 5) { nodes { id } } } }
    userErrors { code field message } } }"""
PRICES = """query($id: ID!) { priceList(id: $id) { prices(first: 10) { nodes { variant { sku }
  price { amount currencyCode } } } } }"""


def _price_list(gql: GraphQL, name: str = "Trade") -> str:
    adjustment = {"type": "PERCENTAGE_DECREASE", "value": 0}
    variables = {"input": {"name": name, "currency": "GBP", "parent": {"adjustment": adjustment}}}
    return str(data_of(gql(PRICE_LIST, variables))["priceListCreate"]["priceList"]["id"])


def _variant(gql: GraphQL, sku: str) -> str:
    found = data_of(gql(f'{{ productVariants(first: 1, query: "sku:{sku}") {{ nodes {{ id }} }} }}'))
    return str(found["productVariants"]["nodes"][0]["id"])


def _price(variant: str, amount: str, currency: str = "GBP") -> dict[str, Any]:
    return {"variantId": variant, "price": {"amount": amount, "currencyCode": currency}}


def _prices(gql: GraphQL, pl: str) -> dict[str, str]:
    nodes = data_of(gql(PRICES, {"id": pl}))["priceList"]["prices"]["nodes"]
    return {n["variant"]["sku"]: n["price"]["amount"] for n in nodes}


def test_update_adds_replaces_and_deletes_fixed_prices_in_one_call(gql: GraphQL) -> None:
    pl, small, medium = _price_list(gql), _variant(gql, "TEE-S"), _variant(gql, "TEE-M")
    first = data_of(
        gql(UPDATE, {"id": pl, "add": [_price(small, "8.00"), _price(medium, "9.00")], "delete": []})
    )
    assert first["priceListFixedPricesUpdate"]["userErrors"] == []
    second = data_of(gql(UPDATE, {"id": pl, "add": [_price(small, "7.50")], "delete": [medium]}))
    payload = second["priceListFixedPricesUpdate"]
    assert payload["userErrors"] == [] and payload["deletedFixedPriceVariantIds"] == [medium]
    assert payload["priceList"] == {"fixedPricesCount": 1}
    assert _prices(gql, pl) == {"TEE-S": "7.5"}


def test_update_refuses_the_whole_call_for_a_variant_without_a_fixed_price_or_a_wrong_currency(
    gql: GraphQL,
) -> None:
    pl, small, medium = _price_list(gql), _variant(gql, "TEE-S"), _variant(gql, "TEE-M")
    refused = data_of(gql(UPDATE, {"id": pl, "add": [_price(small, "8.00", "EUR")], "delete": [medium]}))
    errors = refused["priceListFixedPricesUpdate"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("PRICE_LIST_CURRENCY_MISMATCH", ["pricesToAdd", "0", "price", "currencyCode"]),
        ("VARIANT_NOT_FOUND", ["variantIdsToDelete", "0"]),
    ]
    assert _prices(gql, pl) == {}


def test_update_and_delete_on_an_unknown_price_list(gql: GraphQL) -> None:
    unknown = "gid://shopify/PriceList/999999"
    update = data_of(gql(UPDATE, {"id": unknown, "add": [], "delete": []}))["priceListFixedPricesUpdate"]
    delete = data_of(gql(DELETE, {"id": unknown, "ids": []}))["priceListFixedPricesDelete"]
    for payload in (update, delete):
        assert [e["code"] for e in payload["userErrors"]] == ["PRICE_LIST_NOT_FOUND"]


def test_delete_removes_fixed_prices(gql: GraphQL) -> None:
    pl, small = _price_list(gql), _variant(gql, "TEE-S")
    data_of(gql(UPDATE, {"id": pl, "add": [_price(small, "8.00")], "delete": []}))
    payload = data_of(gql(DELETE, {"id": pl, "ids": [small]}))["priceListFixedPricesDelete"]
    assert payload == {"deletedFixedPriceVariantIds": [small], "userErrors": []}
    again = data_of(gql(DELETE, {"id": pl, "ids": [small]}))["priceListFixedPricesDelete"]
    assert [e["code"] for e in again["userErrors"]] == ["VARIANT_NOT_FOUND"]


def _catalog(gql: GraphQL, pl: str, location: str) -> str:
    variables = {
        "input": {
            "title": "Trade catalog",
            "status": "ACTIVE",
            "priceListId": pl,
            "context": {"companyLocationIds": [location]},
        }
    }
    return str(data_of(gql(CATALOG, variables))["catalogCreate"]["catalog"]["id"])


def test_catalog_context_update_assigns_and_unassigns_company_locations(gql: GraphQL) -> None:
    first = make_company(gql)["locations"]["nodes"][0]["id"]
    second = make_company(gql)["locations"]["nodes"][0]["id"]
    catalog = _catalog(gql, _price_list(gql), first)
    add = {"companyLocationIds": [second]}
    remove = {"companyLocationIds": [first]}
    payload = data_of(gql(CONTEXT, {"id": catalog, "add": add, "remove": remove}))["catalogContextUpdate"]
    assert payload["userErrors"] == []
    assert payload["catalog"]["companyLocations"]["nodes"] == [{"id": second}]


def test_catalog_context_update_errors(gql: GraphQL) -> None:
    location = make_company(gql)["locations"]["nodes"][0]["id"]
    catalog = _catalog(gql, _price_list(gql), location)
    cases = [
        (
            {"id": "gid://shopify/CompanyLocationCatalog/999999", "add": {"companyLocationIds": [location]}},
            "CATALOG_NOT_FOUND",
        ),
        ({"id": catalog}, "REQUIRES_CONTEXTS_TO_ADD_OR_REMOVE"),
        (
            {"id": catalog, "add": {"companyLocationIds": ["gid://shopify/CompanyLocation/999999"]}},
            "COMPANY_LOCATION_NOT_FOUND",
        ),
    ]
    for variables, code in cases:
        payload = data_of(gql(CONTEXT, variables))["catalogContextUpdate"]
        assert payload["catalog"] is None
        assert [e["code"] for e in payload["userErrors"]] == [code]
