"""B2B: company with contact and location, price list with fixed prices, catalog for the location."""

from __future__ import annotations

from typing import Any

from sandbox_catalog_support import GraphQL, data_of

COMPANY = (
    "mutation($input: CompanyCreateInput!) { companyCreate(input: $input) { company { id name "
    "mainContact { customer { email } } locations(first: 5) { nodes "
    "{ id name } } } userErrors { field message code } } }"
)
PRICE_LIST = (
    "mutation($input: PriceListCreateInput!) { priceListCreate(input: $input) { priceList { id currency } "
    "userErrors { field message code } } }"
)
PRICES = (
    "mutation($id: ID!, $prices: [PriceListPriceInput!]!) { priceListFixedPricesAdd(priceListId: "
    "$id, prices: $prices) "
    "{ prices { price { amount currencyCode } variant { sku } } userErrors { field message code } } }"
)
CATALOG = (
    "mutation($input: CatalogCreateInput!) { catalogCreate(input: "
    "$input) { catalog { __typename id title status "
    "... on CompanyLocationCatalog { companyLocations(first: 5) { nodes { name } } priceList { id } } } "
    "userErrors { field message code } } }"
)


def make_company(gql: GraphQL) -> dict[str, Any]:
    variables = {
        "input": {
            "company": {"name": "Acme Trading", "externalId": "ACME-1"},
            "companyContact": {"firstName": "Pat", "email": "pat@acme.example", "title": "Buyer"},
            "companyLocation": {
                "name": "Acme HQ",
                "shippingAddress": {"address1": "1 Road", "city": "York", "countryCode": "GB"},
            },
        }
    }
    payload: dict[str, Any] = data_of(gql(COMPANY, variables))["companyCreate"]
    assert payload["userErrors"] == []
    company: dict[str, Any] = payload["company"]
    return company


def test_company_create_makes_contact_customer_and_location(gql: GraphQL) -> None:
    company = make_company(gql)
    assert company["mainContact"]["customer"]["email"] == "pat@acme.example"
    assert [loc["name"] for loc in company["locations"]["nodes"]] == ["Acme HQ"]
    found = data_of(gql('{ companies(first: 5, query: "name:\\"Acme Trading\\"") { nodes { externalId } } }'))
    assert found["companies"]["nodes"] == [{"externalId": "ACME-1"}]


def test_price_list_fixed_prices_and_catalog_for_a_company_location(gql: GraphQL) -> None:
    location_id = make_company(gql)["locations"]["nodes"][0]["id"]
    price_list = data_of(
        gql(
            PRICE_LIST,
            {
                "input": {
                    "name": "Acme prices",
                    "currency": "GBP",
                    "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 10}},
                }
            },
        )
    )
    pl_id = price_list["priceListCreate"]["priceList"]["id"]
    variant = data_of(gql('{ productVariants(first: 1, query: "sku:TEE-M") { nodes { id } } }'))[
        "productVariants"
    ]["nodes"][0]["id"]
    added = data_of(
        gql(
            PRICES,
            {
                "id": pl_id,
                "prices": [{"variantId": variant, "price": {"amount": "12.00", "currencyCode": "GBP"}}],
            },
        )
    )
    assert added["priceListFixedPricesAdd"]["prices"] == [
        {"price": {"amount": "12.0", "currencyCode": "GBP"}, "variant": {"sku": "TEE-M"}}
    ]
    catalog = data_of(
        gql(
            CATALOG,
            {
                "input": {
                    "title": "Acme catalog",
                    "status": "ACTIVE",
                    "priceListId": pl_id,
                    "context": {"companyLocationIds": [location_id]},
                }
            },
        )
    )["catalogCreate"]
    assert catalog["userErrors"] == []
    assert catalog["catalog"]["__typename"] == "CompanyLocationCatalog"
    assert catalog["catalog"]["companyLocations"]["nodes"] == [{"name": "Acme HQ"}]
    assert catalog["catalog"]["priceList"] == {"id": pl_id}
    read = "query($id: ID!) { companyLocation(id: $id) { catalogs(first: 5) { nodes { title } } } }"
    assert data_of(gql(read, {"id": location_id}))["companyLocation"]["catalogs"]["nodes"] == [
        {"title": "Acme catalog"}
    ]


def test_fixed_price_in_another_currency_is_refused(gql: GraphQL) -> None:
    pl = data_of(
        gql(
            PRICE_LIST,
            {
                "input": {
                    "name": "EUR list",
                    "currency": "EUR",
                    "parent": {"adjustment": {"type": "PERCENTAGE_DECREASE", "value": 0}},
                }
            },
        )
    )
    pl_id = pl["priceListCreate"]["priceList"]["id"]
    variant = data_of(gql("{ productVariants(first: 1) { nodes { id } } }"))["productVariants"]["nodes"][0][
        "id"
    ]
    payload = data_of(
        gql(
            PRICES,
            {
                "id": pl_id,
                "prices": [{"variantId": variant, "price": {"amount": "1", "currencyCode": "GBP"}}],
            },
        )
    )
    assert payload["priceListFixedPricesAdd"]["userErrors"][0]["code"] == "PRICE_LIST_CURRENCY_MISMATCH"


def test_catalog_for_unknown_company_location_is_refused(gql: GraphQL) -> None:
    payload = data_of(
        gql(
            CATALOG,
            {
                "input": {
                    "title": "x",
                    "status": "ACTIVE",
                    "context": {"companyLocationIds": ["gid://shopify/CompanyLocation/999"]},
                }
            },
        )
    )
    assert payload["catalogCreate"]["catalog"] is None
    assert payload["catalogCreate"]["userErrors"][0]["code"] == "COMPANY_LOCATION_NOT_FOUND"


def test_unknown_company_update_answers_resource_not_found(gql: GraphQL) -> None:
    update = (
        'mutation { companyUpdate(companyId: "gid://shopify/Company/999", input: '
        '{name: "x"}) { company { id } userErrors { field message code } } }'
    )
    assert data_of(gql(update))["companyUpdate"]["userErrors"] == [
        {
            "field": ["companyId"],
            "message": "Resource requested does not exist.",
            "code": "RESOURCE_NOT_FOUND",
        }
    ]
