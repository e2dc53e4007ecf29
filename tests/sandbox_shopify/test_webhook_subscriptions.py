"""Webhook subscriptions: the real schema's mutations and userErrors, deliveries only to what is
registered, removal after Shopify's retries, the legacy single target when nothing is registered,
and the granted access scopes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Receiver, Shop, running_receiver, running_shop

from shopbridge.sandbox.shopify.webhooks import RETRIES

PUBLIC = "https://shop.example.test"
CREATE = """mutation Create($topic: WebhookSubscriptionTopic!, $input: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $input) {
    webhookSubscription { id topic uri format apiVersion { handle } endpoint { __typename
      ... on WebhookHttpEndpoint { callbackUrl } } }
    userErrors { field message }
  }
}"""
UPDATE = """mutation Update($id: ID!, $input: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $input) {
    webhookSubscription { id uri } userErrors { field message }
  }
}"""
DELETE = """mutation Delete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}"""
LIST = """query List($topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: 50, topics: $topics) { nodes { id topic uri } pageInfo { hasNextPage } }
}"""


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


def _create(shop: Shop, topic: str, uri: str) -> dict[str, Any]:
    payload: dict[str, Any] = shop.data(CREATE, {"topic": topic, "input": {"uri": uri}})[
        "webhookSubscriptionCreate"
    ]
    return payload


def _tunnel(shop: Shop, receiver: Receiver, **settings: Any) -> None:
    local = receiver.url.removesuffix("/webhooks/shopify")
    body = {"secret": "s", "tunnels": {PUBLIC: local}, **settings}
    assert shop.http.post("/_sandbox/webhooks", json=body).status_code == 200


def _flush(shop: Shop) -> dict[str, Any]:
    body: dict[str, Any] = shop.http.post("/_sandbox/webhooks/flush").json()
    assert body["done"] is True
    return body


def _place(shop: Shop) -> None:
    shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}], payment="pending")


def test_create_returns_the_subscription_in_the_schemas_shape(shop: Shop) -> None:
    payload = _create(shop, "ORDERS_CREATE", f"{PUBLIC}/webhooks/shopify")
    sub = payload["webhookSubscription"]
    assert payload["userErrors"] == []
    assert sub["topic"] == "ORDERS_CREATE" and sub["uri"] == f"{PUBLIC}/webhooks/shopify"
    assert sub["format"] == "JSON" and sub["apiVersion"]["handle"] == "2026-07"
    assert sub["endpoint"] == {"__typename": "WebhookHttpEndpoint", "callbackUrl": sub["uri"]}
    listed = shop.data(LIST)["webhookSubscriptions"]["nodes"]
    assert listed == [{"id": sub["id"], "topic": "ORDERS_CREATE", "uri": sub["uri"]}]


def test_the_same_address_for_the_same_topic_is_taken(shop: Shop) -> None:
    _create(shop, "ORDERS_CREATE", f"{PUBLIC}/a")
    again = _create(shop, "ORDERS_CREATE", f"{PUBLIC}/a")
    assert again["webhookSubscription"] is None
    assert again["userErrors"] == [
        {
            "field": ["webhookSubscription", "callbackUrl"],
            "message": "Address for this topic has already been taken",
        }
    ]
    other_topic = _create(shop, "ORDERS_PAID", f"{PUBLIC}/a")
    assert other_topic["userErrors"] == []


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("http://shop.example.test/hook", "Address protocol http:// is not supported"),
        ("", "Address can't be blank"),
        ("not a url", "Address is invalid"),
    ],
)
def test_addresses_shopify_refuses(shop: Shop, uri: str, message: str) -> None:
    payload = _create(shop, "ORDERS_CREATE", uri)
    assert payload["webhookSubscription"] is None
    assert payload["userErrors"] == [{"field": ["webhookSubscription", "callbackUrl"], "message": message}]
    assert shop.state.webhook_subscriptions == {}


def test_update_and_delete_and_their_errors(shop: Shop) -> None:
    first = _create(shop, "ORDERS_CREATE", f"{PUBLIC}/a")["webhookSubscription"]
    _create(shop, "ORDERS_CREATE", f"{PUBLIC}/b")
    moved = shop.data(UPDATE, {"id": first["id"], "input": {"uri": f"{PUBLIC}/c"}})[
        "webhookSubscriptionUpdate"
    ]
    assert moved == {"webhookSubscription": {"id": first["id"], "uri": f"{PUBLIC}/c"}, "userErrors": []}
    clash = shop.data(UPDATE, {"id": first["id"], "input": {"uri": f"{PUBLIC}/b"}})[
        "webhookSubscriptionUpdate"
    ]
    assert clash["userErrors"][0]["message"] == "Address for this topic has already been taken"
    gone = "gid://shopify/WebhookSubscription/999"
    missing = shop.data(UPDATE, {"id": gone, "input": {"uri": f"{PUBLIC}/d"}})["webhookSubscriptionUpdate"]
    assert missing == {
        "webhookSubscription": None,
        "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
    }
    deleted = shop.data(DELETE, {"id": first["id"]})["webhookSubscriptionDelete"]
    assert deleted == {"deletedWebhookSubscriptionId": first["id"], "userErrors": []}
    twice = shop.data(DELETE, {"id": first["id"]})["webhookSubscriptionDelete"]
    assert twice["deletedWebhookSubscriptionId"] is None and twice["userErrors"][0]["field"] == ["id"]


def test_the_list_filters_by_topic(shop: Shop) -> None:
    _create(shop, "ORDERS_CREATE", f"{PUBLIC}/a")
    _create(shop, "REFUNDS_CREATE", f"{PUBLIC}/a")
    nodes = shop.data(LIST, {"topics": ["REFUNDS_CREATE"]})["webhookSubscriptions"]["nodes"]
    assert [n["topic"] for n in nodes] == ["REFUNDS_CREATE"]


def test_events_go_only_to_the_subscriptions_of_their_topic(shop: Shop, receiver: Receiver) -> None:
    _tunnel(shop, receiver)
    _create(shop, "ORDERS_PAID", f"{PUBLIC}/webhooks/shopify")  # orders/create is not subscribed
    _place(shop)
    _flush(shop)
    assert receiver.requests == []
    _create(shop, "ORDERS_CREATE", f"{PUBLIC}/webhooks/shopify")
    _place(shop)
    _flush(shop)
    assert [h["x-shopify-topic"] for h, _ in receiver.requests] == ["orders/create"]


def test_with_a_subscription_registered_the_legacy_target_gets_nothing(
    shop: Shop, receiver: Receiver
) -> None:
    _tunnel(shop, receiver, address=receiver.url, topics=None)
    _place(shop)
    _flush(shop)
    legacy = len(receiver.requests)
    assert legacy >= 1  # no subscription: the legacy target receives every topic
    _create(shop, "REFUNDS_CREATE", f"{PUBLIC}/webhooks/shopify")
    _place(shop)
    _flush(shop)
    assert len(receiver.requests) == legacy


def test_a_subscription_is_deleted_after_shopifys_retries_fail(shop: Shop, receiver: Receiver) -> None:
    receiver.statuses = [500] * 20
    _tunnel(shop, receiver, time_compression=100_000.0)
    sub = _create(shop, "ORDERS_CREATE", f"{PUBLIC}/webhooks/shopify")["webhookSubscription"]
    _place(shop)
    stats = _flush(shop)["stats"]
    assert len(receiver.requests) == 1 + RETRIES
    assert stats["subscriptions_deleted"] == [sub["id"]]
    assert shop.data(LIST)["webhookSubscriptions"]["nodes"] == []
    _place(shop)
    _flush(shop)
    assert len(receiver.requests) == 1 + RETRIES


def test_a_delivery_that_recovers_keeps_its_subscription(shop: Shop, receiver: Receiver) -> None:
    receiver.statuses = [500] * RETRIES  # the 8th retry succeeds
    _tunnel(shop, receiver, time_compression=100_000.0)
    _create(shop, "ORDERS_CREATE", f"{PUBLIC}/webhooks/shopify")
    _place(shop)
    stats = _flush(shop)["stats"]
    assert stats["delivered"] == 1 and stats["subscriptions_deleted"] == []
    assert len(shop.data(LIST)["webhookSubscriptions"]["nodes"]) == 1


def test_granted_scopes_are_a_setting_and_the_installation_reports_them(shop: Shop) -> None:
    query = "{ currentAppInstallation { accessScopes { handle description } } }"
    default = shop.data(query)["currentAppInstallation"]["accessScopes"]
    assert {"handle": "read_orders", "description": "Read orders"} in default
    response = shop.http.post("/_sandbox/settings", json={"granted_scopes": ["read_orders"]})
    assert response.json()["granted_scopes"] == ["read_orders"]
    assert [s["handle"] for s in shop.data(query)["currentAppInstallation"]["accessScopes"]] == [
        "read_orders"
    ]
    bad = shop.http.post("/_sandbox/settings", json={"granted_scopes": "read_orders"})
    assert bad.status_code == 400
