"""Customers: create with Shopify's normalisation, update, search, lookup by identifier."""

from __future__ import annotations

from typing import Any

from sandbox_catalog_support import GraphQL, data_of

from shopbridge.sandbox.shopify.server import SandboxServer

CREATE = (
    "mutation($input: CustomerInput!) { customerCreate(input: $input) { customer { id email displayName tags "
    "state numberOfOrders amountSpent { amount currencyCode } defaultEmailAddress { emailAddress } } "
    "userErrors { field message } } }"
)


def create(gql: GraphQL, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = data_of(gql(CREATE, {"input": fields}))["customerCreate"]
    return payload


def test_create_normalises_email_and_sorts_tags(gql: GraphQL) -> None:
    customer = create(
        gql, email=" Ann.Lee@Example.COM ", firstName="Ann", lastName="Lee", tags=["vip", "b2c"]
    )["customer"]
    assert customer["email"] == "ann.lee@example.com"
    assert customer["defaultEmailAddress"] == {"emailAddress": "ann.lee@example.com"}
    assert customer["displayName"] == "Ann Lee"
    assert customer["tags"] == ["b2c", "vip"]
    assert (customer["state"], customer["numberOfOrders"]) == ("DISABLED", "0")
    assert customer["amountSpent"] == {"amount": "0.0", "currencyCode": "GBP"}


def test_create_needs_a_name_phone_or_email(gql: GraphQL) -> None:
    assert create(gql, email="") == {
        "customer": None,
        "userErrors": [{"field": None, "message": "A name, phone number, or email address must be present"}],
    }


def test_email_already_taken_is_refused(gql: GraphQL) -> None:
    create(gql, email="dup@example.com")
    assert create(gql, email="DUP@example.com")["userErrors"] == [
        {"field": ["email"], "message": "Email has already been taken"}
    ]


def test_search_by_email_and_lookup_by_identifier(gql: GraphQL) -> None:
    gid = create(gql, email="find.me@example.com", firstName="Find")["customer"]["id"]
    search = data_of(gql('{ customers(first: 5, query: "email:find.me@example.com") { nodes { id } } }'))
    assert search["customers"]["nodes"] == [{"id": gid}]
    query = "query($i: CustomerIdentifierInput!) { customerByIdentifier(identifier: $i) { id } }"
    assert data_of(gql(query, {"i": {"emailAddress": "Find.Me@example.com"}}))["customerByIdentifier"] == {
        "id": gid
    }
    assert data_of(gql(query, {"i": {"emailAddress": "nobody@example.com"}}))["customerByIdentifier"] is None


def test_update_changes_fields_and_publishes_customers_update(sandbox: SandboxServer, gql: GraphQL) -> None:
    topics: list[str] = []
    sandbox.state.events.subscribe(lambda topic, body: topics.append(topic))
    gid = create(gql, email="upd@example.com")["customer"]["id"]
    update = (
        "mutation($input: CustomerInput!) { customerUpdate(input: $input) "
        "{ customer { lastName note } userErrors { message } } }"
    )
    payload = data_of(gql(update, {"input": {"id": gid, "lastName": "Jones", "note": "prefers post"}}))[
        "customerUpdate"
    ]
    assert payload == {"customer": {"lastName": "Jones", "note": "prefers post"}, "userErrors": []}
    assert topics == ["customers/create", "customers/update"]
