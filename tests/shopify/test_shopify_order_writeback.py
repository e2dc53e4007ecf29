"""The order flow's write-back documents (metafields_set, tags_add) and user errors whose field is null."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from shopify_support import FakeTime, control, place_order

from shopbridge.config import ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.documents import document
from shopbridge.connectors.shopify.errors import from_user_errors
from shopbridge.domain.order_versions import OrderVersion, normalise_time, rest_order_state
from shopbridge.errors import BadInput, NeedsPerson, RetryLater
from shopbridge.sandbox.shopify.server import SandboxServer


@pytest.fixture
def client(sandbox_shop: ShopSettings) -> Iterator[ShopifyClient]:
    with ShopifyClient.from_settings(sandbox_shop) as shopify:
        yield shopify


def _variant(sandbox: SandboxServer, sku: str = "TEE-M") -> str:
    variants = control(sandbox, "state")["variants"].values()
    return str(next(v["id"] for v in variants if v["sku"] == sku))


@pytest.mark.parametrize(
    ("name", "operation"), [("metafields_set", "MetafieldsSet"), ("tags_add", "TagsAdd")]
)
def test_write_back_documents_are_plain_mutations_without_an_idempotency_key(
    name: str, operation: str
) -> None:
    doc = document(name)
    assert (doc.operation, doc.is_mutation, doc.idempotent) == (operation, True, False)
    assert "@idempotent" not in doc.text.split("mutation", 1)[1]


def test_the_erp_order_number_is_written_back_as_a_metafield_and_a_tag(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    order_id = place_order(sandbox, _variant(sandbox))
    metafield = {
        "ownerId": order_id,
        "namespace": "shopbridge",
        "key": "erp_order",
        "type": "single_line_text_field",
        "value": "SO-000123",
    }
    for _ in range(2):  # a retried job sends both again: nothing changes the second time
        result = client.mutate("metafields_set", {"metafields": [metafield]})
        tagged = client.mutate("tags_add", {"id": order_id, "tags": ["ERP:SO-000123"]})
    assert [(m["namespace"], m["key"], m["value"]) for m in result["metafields"]] == [
        ("shopbridge", "erp_order", "SO-000123")
    ]
    assert tagged["node"]["id"] == order_id
    order = sandbox.state.orders[order_id]
    assert order["tags"].count("ERP:SO-000123") == 1
    assert sandbox.state.metafields[(order_id, "shopbridge", "erp_order")]["value"] == "SO-000123"


def test_the_version_the_write_back_answers_is_the_version_its_orders_updated_webhook_carries(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    """The order flow marks that version known so its own tag makes no job: the GraphQL answer and
    the REST webhook body must name one version, spelled alike."""
    order_id = place_order(sandbox, _variant(sandbox))
    bodies: list[dict[str, Any]] = []

    def updated(topic: str, body: dict[str, Any]) -> None:
        if topic == "orders/updated":
            bodies.append(body)

    sandbox.state.events.subscribe(updated)
    version = client.record_erp_order(order_id, "SO-000124")
    assert len(bodies) == 1, "the new tag is a change of the order: one orders/updated"
    body = bodies[0]
    assert version == OrderVersion.of(str(body["id"]), body["updated_at"], rest_order_state(body))
    assert version.updated_at == normalise_time(sandbox.state.orders[order_id]["updated_at"])
    assert client.record_erp_order(order_id, "SO-000124") == version  # a retry: no change, same version
    assert len(bodies) == 1


def test_a_metafield_on_an_unknown_order_is_translated_like_any_user_error(client: ShopifyClient) -> None:
    metafield = {"ownerId": "gid://shopify/Order/999999", "key": "erp_order", "value": "SO-1"}
    with pytest.raises(BadInput) as raised:
        client.mutate("metafields_set", {"metafields": [{**metafield, "namespace": "shopbridge"}]})
    assert raised.value.details["fields"] == [["metafields", "0", "ownerId"]]


def test_an_over_refund_with_a_null_field_is_a_normal_translated_error(
    sandbox: SandboxServer, client: ShopifyClient
) -> None:
    order_id = place_order(sandbox, _variant(sandbox))
    transaction = {"orderId": order_id, "amount": "9999.00", "gateway": "manual", "kind": "REFUND"}
    with pytest.raises(NeedsPerson) as raised:
        client.mutate(
            "refund_create", {"input": {"orderId": order_id, "transactions": [transaction]}}, key="k1"
        )
    assert raised.value.details["fields"] == [None]
    assert "greater than net payment received" in str(raised.value)


def _answer(payload: dict[str, Any]) -> httpx.MockTransport:
    cost = {"requestedQueryCost": 10, "actualQueryCost": 10}
    bucket = {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}
    body = {"data": payload, "extensions": {"cost": {**cost, "throttleStatus": bucket}}}
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


@pytest.mark.parametrize(
    ("name", "variables", "payload", "expected"),
    [
        (
            "order_cancel",
            {"orderId": "gid://shopify/Order/1", "reason": "CUSTOMER", "restock": True},
            {
                "orderCancel": {
                    "job": None,
                    "orderCancelUserErrors": [{"field": None, "message": "m", "code": "INVALID"}],
                }
            },
            BadInput,
        ),
        (
            "bulk_operation_run_query",
            {"query": "{ shop { id } }"},
            {
                "bulkOperationRunQuery": {
                    "bulkOperation": None,
                    "userErrors": [{"field": None, "message": "m", "code": "OPERATION_IN_PROGRESS"}],
                }
            },
            RetryLater,
        ),
    ],
)
def test_user_errors_with_a_null_field_translate_without_crashing(
    sandbox_shop: ShopSettings,
    fake_time: FakeTime,
    name: str,
    variables: dict[str, Any],
    payload: dict[str, Any],
    expected: type[Exception],
) -> None:
    shopify = ShopifyClient.from_settings(sandbox_shop, transport=_answer(payload))
    with shopify, pytest.raises(expected) as raised:
        shopify.mutate(name, variables)
    assert raised.value.details["fields"] == [None] and "m" in str(raised.value)  # type: ignore[attr-defined]


def test_numeric_indexes_in_a_field_path_become_strings() -> None:
    error = from_user_errors(
        [{"field": ["order", "lineItems", 0, "taxLines"], "message": "m"}], "order_create"
    )
    assert error.details["fields"] == [["order", "lineItems", "0", "taxLines"]]
