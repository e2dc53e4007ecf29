"""Every GraphQL document the client can send validates against the pinned Admin schema."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse, validate

from shopbridge.connectors.shopify.documents import all_documents, document

NAMES = sorted(all_documents())


def test_documents_are_found() -> None:
    assert {"orders_updated_since", "order_by_id", "inventory_set_quantities", "refund_create"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_document_validates_against_the_admin_schema(admin_schema: GraphQLSchema, name: str) -> None:
    errors = validate(admin_schema, parse(document(name).text))
    assert [e.message for e in errors] == []


def test_the_validator_rejects_a_wrong_field(admin_schema: GraphQLSchema) -> None:
    errors = validate(admin_schema, parse("query Bad { shop { nameOfTheShop } }"))
    assert errors


@pytest.mark.parametrize("name", ["inventory_set_quantities", "refund_create"])
def test_mutations_that_shopify_requires_idempotent_carry_the_key(name: str) -> None:
    assert "@idempotent(key: $key)" in document(name).text


def test_inventory_set_quantities_takes_the_quantities_input_with_change_from_quantity(
    admin_schema: GraphQLSchema,
) -> None:
    quantity_input = admin_schema.type_map["InventoryQuantityInput"]
    assert "changeFromQuantity" in quantity_input.fields  # type: ignore[attr-defined]


def test_unknown_document_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="order_by_id"):
        document("no_such_document")


@pytest.mark.parametrize(("name", "is_mutation"), [("order_by_id", False), ("inventory_activate", True)])
def test_document_knows_whether_it_is_a_mutation(name: str, is_mutation: bool) -> None:
    assert document(name).is_mutation is is_mutation


def test_only_the_idempotent_documents_demand_a_key() -> None:
    assert {name for name, doc in all_documents().items() if doc.idempotent} == {
        "inventory_set_quantities",
        "refund_create",
    }
