"""The GraphQL endpoint: authentication, versions, and rejections shaped like Shopify's."""

from __future__ import annotations

import httpx
import pytest
from sandbox_catalog_support import TOKEN, GraphQL, data_of

from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.mark.parametrize("headers", [{}, {"X-Shopify-Access-Token": "wrong"}])
def test_missing_or_wrong_token_gets_shopify_401_body(
    sandbox: SandboxServer, client: httpx.Client, headers: dict[str, str]
) -> None:
    response = client.post(sandbox.graphql_url, json={"query": "{ shop { name } }"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_other_api_version_is_not_found(sandbox: SandboxServer, client: httpx.Client) -> None:
    response = client.post(
        "/admin/api/2024-01/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": TOKEN},
    )
    assert response.status_code == 404


def test_unknown_field_is_rejected_like_shopify(gql: GraphQL) -> None:
    response = gql("query Probe { products(first: 1) { nodes { id bogus } } }")
    body = response.json()
    assert response.status_code == 200
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Field 'bogus' doesn't exist on type 'Product'",
            "locations": [{"line": 1, "column": 47}],
            "path": ["query Probe", "products", "nodes", "bogus"],
            "extensions": {"code": "undefinedField", "typeName": "Product", "fieldName": "bogus"},
        }
    ]


def test_missing_required_argument_names_the_argument(gql: GraphQL) -> None:
    error = gql("{ product { id } }").json()["errors"][0]
    assert error["message"] == "Field 'product' is missing required arguments: id"
    assert error["extensions"]["code"] == "missingRequiredArguments"


def test_invalid_enum_variable_answers_invalid_variable_with_problems(gql: GraphQL) -> None:
    query = "mutation U($input: ProductUpdateInput!) { productUpdate(product: $input) { product { id } } }"
    body = gql(query, {"input": {"id": "gid://shopify/Product/1", "status": "LOST"}}).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["problems"][0]["path"] == ["status"]
    assert error["message"].startswith(
        "Variable $input of type ProductUpdateInput! was provided invalid value for status"
    )
    assert 'Expected "LOST" to be one of: ACTIVE, ARCHIVED, DRAFT, UNLISTED' in error["message"]


def test_syntax_error_is_answered_with_200_and_a_location(gql: GraphQL) -> None:
    response = gql("{ products(first: 1) { nodes { id } ")
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"].startswith("syntax error")
    assert error["locations"]


def test_unimplemented_root_field_names_it_instead_of_returning_null(gql: GraphQL) -> None:
    body = gql("{ giftCards(first: 1) { nodes { id } } }").json()
    assert body["errors"][0]["message"] == (
        "Field 'QueryRoot.giftCards' is not implemented by the shopbridge Shopify sandbox"
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_IMPLEMENTED_IN_SANDBOX"


def test_unimplemented_object_field_names_type_and_field(gql: GraphQL) -> None:
    body = gql("{ products(first: 1) { nodes { id sellingPlanGroups(first: 1) { nodes { id } } } } }").json()
    messages = [e["message"] for e in body["errors"]]
    expected = "Field 'Product.sellingPlanGroups' is not implemented by the shopbridge Shopify sandbox"
    assert expected in messages
    assert body["errors"][0]["path"] == ["products", "nodes", 0, "sellingPlanGroups"]


@pytest.mark.parametrize(
    "query",
    [
        "{ shop { name currencyCode } }",
        "{ locations(first: 5) { nodes { id name } } }",
        "{ giftCards(first: 1) { nodes { id } } }",
        "mutation { customerCreate(input: {}) { userErrors { message } } }",
    ],
)
def test_every_executed_response_carries_extensions_cost(gql: GraphQL, query: str) -> None:
    cost = gql(query).json()["extensions"]["cost"]
    assert set(cost) == {"requestedQueryCost", "actualQueryCost", "throttleStatus"}
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}
    assert cost["actualQueryCost"] <= cost["requestedQueryCost"]


def test_shop_answers_domain_and_currency(gql: GraphQL) -> None:
    shop = data_of(gql("{ shop { myshopifyDomain currencyCode } }"))["shop"]
    assert shop == {"myshopifyDomain": "sandbox.myshopify.com", "currencyCode": "GBP"}


def test_operation_name_selects_among_several_operations(gql: GraphQL) -> None:
    document = "query A { shop { name } } query B { locations(first: 1) { nodes { name } } }"
    assert "locations" in data_of(gql(document, operationName="B"))
    assert gql(document).json()["errors"][0]["message"] == "An operation name is required"
