"""metafieldsSet and tagsAdd on orders: what the order flow writes back (ERP order number)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Shop, running_shop

SET = """mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {
  metafields { id namespace key value type } userErrors { field message code elementIndex } } }"""
TAGS = """mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) {
  node { id ... on Order { tags } } userErrors { field message } } }"""
READ = """query($id: ID!) { order(id: $id) { updatedAt tags
  metafield(namespace: "shopbridge", key: "erp_order") { value type }
  metafields(first: 5) { nodes { namespace key value } } } }"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def _order(shop: Shop) -> str:
    return shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}])


def _erp(order_id: str, value: str = "SO-000123", **extra: Any) -> dict[str, Any]:
    entry = {"ownerId": order_id, "namespace": "shopbridge", "key": "erp_order", "value": value}
    return {**entry, "type": "single_line_text_field", **extra}


def test_metafields_set_stores_the_erp_order_number_on_the_order(shop: Shop) -> None:
    order_id = _order(shop)
    result = shop.data(SET, {"m": [_erp(order_id)]})["metafieldsSet"]
    assert result["userErrors"] == []
    [metafield] = result["metafields"]
    assert metafield["id"].startswith("gid://shopify/Metafield/")
    assert (metafield["namespace"], metafield["key"], metafield["value"]) == (
        "shopbridge",
        "erp_order",
        "SO-000123",
    )
    order = shop.data(READ, {"id": order_id})["order"]
    assert order["metafield"] == {"value": "SO-000123", "type": "single_line_text_field"}
    assert order["metafields"]["nodes"] == [
        {"namespace": "shopbridge", "key": "erp_order", "value": "SO-000123"}
    ]


def test_setting_a_metafield_again_replaces_its_value_in_place(shop: Shop) -> None:
    order_id = _order(shop)
    first = shop.data(SET, {"m": [_erp(order_id)]})["metafieldsSet"]["metafields"][0]
    again = shop.data(SET, {"m": [_erp(order_id, "SO-000124")]})["metafieldsSet"]["metafields"][0]
    assert again["id"] == first["id"] and again["value"] == "SO-000124"
    assert shop.data(READ, {"id": order_id})["order"]["metafield"]["value"] == "SO-000124"


def test_metafields_set_does_not_touch_the_order_or_fire_orders_updated(shop: Shop) -> None:
    order_id = _order(shop)
    before = shop.data(READ, {"id": order_id})["order"]["updatedAt"]
    topics: list[str] = []
    shop.state.events.subscribe(lambda topic, body: topics.append(topic))
    shop.data(SET, {"m": [_erp(order_id)]})
    assert topics == [] and shop.data(READ, {"id": order_id})["order"]["updatedAt"] == before


def test_more_than_25_metafields_are_refused_whole(shop: Shop) -> None:
    order_id = _order(shop)
    entries = [{**_erp(order_id), "key": f"k{i:02d}"} for i in range(26)]
    result = shop.data(SET, {"m": entries})["metafieldsSet"]
    assert result == {
        "metafields": None,
        "userErrors": [
            {
                "field": ["metafields"],
                "message": "Exceeded the maximum metafields input limit of 25.",
                "code": "LESS_THAN_OR_EQUAL_TO",
                "elementIndex": None,
            }
        ],
    }
    assert shop.state.metafields == {}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"ownerId": "gid://shopify/Order/999999"}, ["metafields", "1", "ownerId"], "INVALID"),
        ({"value": "  "}, ["metafields", "1", "value"], "INVALID_VALUE"),
        ({"value": "SO-1\nSO-2"}, ["metafields", "1", "value"], "INVALID_VALUE"),
        ({"type": None}, ["metafields", "1", "type"], "BLANK"),
        ({"namespace": "sb"}, ["metafields", "1", "namespace"], "TOO_SHORT"),
        ({"key": "k"}, ["metafields", "1", "key"], "TOO_SHORT"),
        ({"compareDigest": "stale"}, ["metafields", "1"], "STALE_OBJECT"),
    ],
)
def test_a_bad_entry_is_a_user_error_and_nothing_is_stored(
    shop: Shop, change: dict[str, Any], field: list[str], code: str
) -> None:
    order_id = _order(shop)
    entries = [{**_erp(order_id), "key": "first"}, {**_erp(order_id), **change}]
    result = shop.data(SET, {"m": entries})["metafieldsSet"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(field, code)]
    assert result["metafields"] == [] and shop.state.metafields == {}


def test_compare_digest_null_means_the_metafield_must_not_exist_yet(shop: Shop) -> None:
    order_id = _order(shop)
    assert shop.data(SET, {"m": [_erp(order_id, compareDigest=None)]})["metafieldsSet"]["userErrors"] == []
    again = shop.data(SET, {"m": [_erp(order_id, compareDigest=None)]})["metafieldsSet"]
    assert [e["code"] for e in again["userErrors"]] == ["STALE_OBJECT"]


def test_tags_add_adds_the_erp_tag_and_fires_orders_updated_once(shop: Shop) -> None:
    order_id = _order(shop)
    bodies: list[dict[str, Any]] = []
    shop.state.events.subscribe(
        lambda topic, body: bodies.append(body) if topic == "orders/updated" else None
    )
    result = shop.data(TAGS, {"id": order_id, "tags": ["ERP:SO-000123"]})["tagsAdd"]
    assert result["userErrors"] == [] and result["node"]["id"] == order_id
    assert "ERP:SO-000123" in result["node"]["tags"]
    assert "ERP:SO-000123" in shop.data(READ, {"id": order_id})["order"]["tags"]
    assert len(bodies) == 1 and "ERP:SO-000123" in bodies[0]["tags"]


def test_adding_a_tag_the_order_has_changes_nothing(shop: Shop) -> None:
    order_id = _order(shop)
    shop.data(TAGS, {"id": order_id, "tags": ["ERP:SO-000123"]})
    before = shop.data(READ, {"id": order_id})["order"]
    topics: list[str] = []
    shop.state.events.subscribe(lambda topic, body: topics.append(topic))
    result = shop.data(TAGS, {"id": order_id, "tags": ["erp:so-000123", "ERP:SO-000123"]})["tagsAdd"]
    assert result["userErrors"] == []
    assert shop.data(READ, {"id": order_id})["order"] == before
    assert topics == []


def test_tags_add_splits_comma_separated_tags(shop: Shop) -> None:
    order_id = _order(shop)
    tags = shop.data(TAGS, {"id": order_id, "tags": ["a, b", "c"]})["tagsAdd"]["node"]["tags"]
    assert {"a", "b", "c"} <= set(tags)


def test_tags_add_on_an_unknown_order_is_a_user_error(shop: Shop) -> None:
    result = shop.data(TAGS, {"id": "gid://shopify/Order/999999", "tags": ["x"]})["tagsAdd"]
    assert result == {"node": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
