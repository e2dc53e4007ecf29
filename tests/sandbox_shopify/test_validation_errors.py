"""Validation errors in Shopify's (graphql-ruby's) shapes: literals, unknown arguments, variables."""

from __future__ import annotations

from typing import Any

from shopbridge.sandbox.shopify.cost import LeakyBucket
from shopbridge.sandbox.shopify.executor import Executor
from shopbridge.sandbox.shopify.state import ShopState


def errors(query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    answer = Executor(ShopState(), LeakyBucket()).run({"query": query, "variables": variables or {}})
    found: list[dict[str, Any]] = answer.body["errors"]
    return found


def test_a_bad_inline_value_is_argument_literals_incompatible_with_a_path() -> None:
    [error] = errors("query Q { order(id: null) { id } }")
    assert (
        error["message"] == "Argument 'id' on Field 'order' has an invalid value (null). Expected type 'ID!'."
    )
    assert error["path"] == ["query Q", "order", "id"]
    assert error["extensions"] == {
        "code": "argumentLiteralsIncompatible",
        "typeName": "Field",
        "argumentName": "id",
    }


def test_every_unknown_argument_is_its_own_argument_not_accepted() -> None:
    found = errors(
        'mutation M { tagsAdd(id: "gid://shopify/Order/1", tags: ["a"], foo: 1, bar: 2) { node { id } } }'
    )
    assert [(e["message"], e["path"]) for e in found] == [
        ("Field 'tagsAdd' doesn't accept argument 'foo'", ["mutation M", "tagsAdd", "foo"]),
        ("Field 'tagsAdd' doesn't accept argument 'bar'", ["mutation M", "tagsAdd", "bar"]),
    ]
    assert {e["extensions"]["code"] for e in found} == {"argumentNotAccepted"}


def test_every_validation_error_of_a_document_is_reported_at_once() -> None:
    query = """mutation M { metafieldsSet(metafields: [{ownerId: "x", key: "k", value: "v", bogus: 1,
      namespace: 5}]) { userErrors { field } } }"""
    found = errors(query)
    assert [e["extensions"]["code"] for e in found] == ["argumentLiteralsIncompatible", "argumentNotAccepted"]
    assert found[1]["message"] == "InputObject 'MetafieldsSetInput' doesn't accept argument 'bogus'"
    assert found[1]["extensions"] == {
        "code": "argumentNotAccepted",
        "name": "MetafieldsSetInput",
        "typeName": "InputObject",
        "argumentName": "bogus",
    }
    assert found[0]["message"] == (
        "Argument 'namespace' on InputObject 'MetafieldsSetInput' has an invalid value (5). "
        "Expected type 'String'."
    )


def test_a_null_for_an_id_variable_reads_as_shopify_prints_it() -> None:
    [error] = errors("query Q($id: ID!) { order(id: $id) { id } }", {"id": None})
    assert error["message"] == "Variable $id of type ID! was provided invalid value"
    assert error["extensions"] == {
        "code": "INVALID_VARIABLE",
        "value": None,
        "problems": [{"path": [], "explanation": "Expected value to not be null"}],
    }


def test_a_bad_variable_names_every_bad_field_in_one_message() -> None:
    query = (
        "mutation M($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { userErrors { field } } }"
    )
    value = [{"ownerId": "x", "key": 1, "value": None, "namespace": "abc"}]
    [error] = errors(query, {"m": value})
    assert error["message"] == (
        "Variable $m of type [MetafieldsSetInput!]! was provided invalid value for "
        "0.key (String cannot represent a non string value: 1), 0.value (Expected value to not be null)"
    )
    assert [p["path"] for p in error["extensions"]["problems"]] == [[0, "key"], [0, "value"]]


def test_every_bad_variable_is_reported_not_only_the_first() -> None:
    query = "query Q($a: ID!, $b: ID!) { a: order(id: $a) { id } b: order(id: $b) { id } }"
    found = errors(query, {"a": None, "b": None})
    assert [e["message"] for e in found] == [
        "Variable $a of type ID! was provided invalid value",
        "Variable $b of type ID! was provided invalid value",
    ]
