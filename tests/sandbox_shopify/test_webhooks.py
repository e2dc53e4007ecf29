"""Webhook delivery: signatures, headers, faults with a seed, Shopify's retry schedule compressed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from test_orders_harness import Receiver, Shop, running_receiver, running_shop

from shopbridge.sandbox.shopify.webhooks import RETRIES, emitter_for, retry_delays

SECRET = "whsec-test"


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running_receiver()


def _configure(shop: Shop, receiver: Receiver, **settings: Any) -> dict[str, Any]:
    """Subscribe the receiver (to orders/create only unless told: one delivery per order placed)."""
    wanted = {"address": receiver.url, "secret": SECRET, "topics": ["orders/create"], **settings}
    response = shop.http.post("/_sandbox/webhooks", json=wanted)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _flush(shop: Shop) -> dict[str, Any]:
    body: dict[str, Any] = shop.http.post("/_sandbox/webhooks/flush").json()
    assert body["done"] is True
    return body


def _place(shop: Shop, count: int = 1) -> None:
    for _ in range(count):
        shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}], payment="pending")


def test_deliveries_carry_shopifys_headers_and_a_verifiable_signature(shop: Shop, receiver: Receiver) -> None:
    _configure(shop, receiver)
    _place(shop)
    _flush(shop)
    headers, body = receiver.requests[0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert hmac.compare_digest(headers["x-shopify-hmac-sha256"], expected)
    assert headers["x-shopify-topic"] == "orders/create"
    assert headers["x-shopify-shop-domain"] == shop.state.shop_domain
    assert headers["x-shopify-api-version"] == "2026-07"
    assert (
        headers["x-shopify-webhook-id"]
        and headers["x-shopify-event-id"]
        and headers["x-shopify-triggered-at"]
    )
    assert json.loads(body)["line_items"][0]["sku"] == "MUG-01"


def test_a_wrong_secret_does_not_verify(shop: Shop, receiver: Receiver) -> None:
    _configure(shop, receiver)
    _place(shop)
    _flush(shop)
    headers, body = receiver.requests[0]
    forged = base64.b64encode(hmac.new(b"other", body, hashlib.sha256).digest()).decode()
    assert headers["x-shopify-hmac-sha256"] != forged


def test_drops_and_duplicates_follow_the_rates_reproducibly_with_a_seed(
    shop: Shop, receiver: Receiver
) -> None:
    _configure(shop, receiver, drop_rate=0.2, duplicate_rate=0.3, seed=42)
    _place(shop, 30)
    stats = _flush(shop)["stats"]
    event_ids = Counter(h["x-shopify-event-id"] for h, _ in receiver.requests)
    assert stats["triggered"] == 30
    assert len(event_ids) == 30 - stats["dropped"]
    assert sum(1 for n in event_ids.values() if n == 2) == stats["duplicated"]
    assert 0 < stats["dropped"] < 30 and 0 < stats["duplicated"] < 30
    # the same seed gives the same faults
    shop.http.post("/_sandbox/webhooks", json={"seed": 42})
    receiver.requests.clear()
    _place(shop, 30)
    again = _flush(shop)["stats"]
    assert (again["dropped"] - stats["dropped"], again["duplicated"] - stats["duplicated"]) == (
        stats["dropped"],
        stats["duplicated"],
    )


def test_jitter_reorders_deliveries(shop: Shop, receiver: Receiver) -> None:
    _configure(shop, receiver, jitter=0.5, seed=7)
    _place(shop, 12)
    _flush(shop)
    numbers = [json.loads(body)["order_number"] for _, body in receiver.requests]
    assert sorted(numbers) == sorted(set(numbers)) and numbers != sorted(numbers)


def test_a_failed_delivery_is_retried_with_the_same_webhook_id_until_it_succeeds(
    shop: Shop, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503, 404]
    _configure(shop, receiver, time_compression=10_000.0)
    _place(shop)
    stats = _flush(shop)["stats"]
    ids = {h["x-shopify-webhook-id"] for h, _ in receiver.requests}
    bodies = {body for _, body in receiver.requests}
    assert len(receiver.requests) == 4 and len(ids) == 1 and len(bodies) == 1
    assert (stats["failed_attempts"], stats["delivered"], stats["subscription_deleted"]) == (3, 1, False)


def test_after_the_eighth_failed_retry_the_subscription_is_deleted(shop: Shop, receiver: Receiver) -> None:
    receiver.statuses = [500] * 20
    _configure(shop, receiver, time_compression=100_000.0)
    _place(shop)
    body = _flush(shop)
    assert len(receiver.requests) == 1 + RETRIES
    assert body["stats"]["subscription_deleted"] is True and body["settings"]["address"] is None
    _place(shop)
    _flush(shop)
    assert len(receiver.requests) == 1 + RETRIES


def test_retry_delays_are_exponential_and_span_four_hours() -> None:
    delays = retry_delays()
    assert len(delays) == 8
    assert all(later == pytest.approx(2 * earlier) for earlier, later in itertools.pairwise(delays))
    assert sum(delays) == pytest.approx(4 * 3600)


def test_unknown_settings_are_refused(shop: Shop) -> None:
    response = shop.http.post("/_sandbox/webhooks", json={"drop_ratio": 0.5})
    assert response.status_code == 422
    assert "drop_ratio" in response.json()["error"]


def test_topics_filter_limits_what_is_sent(shop: Shop, receiver: Receiver) -> None:
    _configure(shop, receiver, topics=["orders/paid"])
    shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}])
    _flush(shop)
    assert receiver.topics() == ["orders/paid"]
    assert emitter_for(shop.state).stats.triggered == 1
