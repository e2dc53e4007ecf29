"""The GraphQL client against a fake transport and a fake clock."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from shopify_support import FakeTime

from shopbridge.config import SecretRef, ShopSettings
from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.pacing import CostBudget
from shopbridge.errors import BadInput, ConfigurationError, NeedsPerson, RetryLater, Throttled

TOKEN = "shpat_secret_token_value_1234"


def cost(requested: float = 10, available: float = 990, actual: float | None = None) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested if actual is None else actual,
            "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": available, "restoreRate": 50},
        }
    }


THROTTLED_200 = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {"cost": {**cost(100, 20)["cost"], "actualQueryCost": None}},
}


class Script:
    """A fake Shopify: answers the scripted responses in order and records each request."""

    def __init__(self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        return answer(request) if callable(answer) else answer

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def ok(data: dict[str, Any], **kw: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "extensions": cost(**kw)})


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> ShopSettings:
    monkeypatch.setenv("TEST_SHOPIFY_TOKEN", TOKEN)
    monkeypatch.setenv("TEST_SHOPIFY_SECRET", "whsec")
    return ShopSettings(
        name="uk",
        domain="uk-store.myshopify.com",
        access_token=SecretRef(env="TEST_SHOPIFY_TOKEN"),
        webhook_secrets=[SecretRef(env="TEST_SHOPIFY_SECRET")],
        restore_rate=50,
    )


def make_client(shop: ShopSettings, script: Script, clock: FakeTime, *, retries: int = 8) -> ShopifyClient:
    client = ShopifyClient.from_settings(shop, transport=httpx.MockTransport(script))
    client._monotonic, client._sleep, client._max_retries = clock.monotonic, clock.sleep, retries
    client._jitter = lambda: 0.0  # the exact formula; jitter has its own test
    return client


def test_request_goes_to_the_pinned_version_with_the_token_header(
    shop: ShopSettings, fake_time: FakeTime
) -> None:
    script = Script(ok({"order": None}))
    with make_client(shop, script, fake_time) as client:
        client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    request = script.requests[0]
    assert str(request.url) == "https://uk-store.myshopify.com/admin/api/2026-07/graphql.json"
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert script.bodies()[0]["operationName"] == "OrderById"


def test_token_is_never_in_repr_or_logs(
    shop: ShopSettings, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    script = Script(ok({"order": None}), httpx.Response(401, text='{"errors":"[API] Invalid API key"}'))
    client = make_client(shop, script, fake_time)
    client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    with pytest.raises(ConfigurationError) as raised:
        client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    client.close()
    assert caplog.records  # something was logged, and it holds no token
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(client) + repr(shop) + str(raised.value) + repr(raised.value.details)


@pytest.mark.parametrize(
    "throttled",
    [
        httpx.Response(200, json=THROTTLED_200),
        httpx.Response(429, json=THROTTLED_200),
        httpx.Response(429, headers={"Retry-After": "2.0"}, text="Too Many Requests"),
    ],
    ids=["200-THROTTLED", "429-with-cost", "429-bare"],
)
def test_throttled_answers_are_waited_out_and_retried_never_surfaced(
    shop: ShopSettings, fake_time: FakeTime, throttled: httpx.Response
) -> None:
    script = Script(throttled, throttled, ok({"order": {"id": "gid://shopify/Order/1"}}))
    with make_client(shop, script, fake_time) as client:
        data = client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    assert data == {"order": {"id": "gid://shopify/Order/1"}}
    assert client.stats.throttled_seen == 2
    assert client.stats.throttled_surfaced == 0
    assert len(script.requests) == 3
    assert sum(fake_time.sleeps) >= 2 * 1.6 - 1e-9  # (100 - 20) / 50 s each time


def test_throttled_wait_follows_shopifys_formula(shop: ShopSettings, fake_time: FakeTime) -> None:
    script = Script(httpx.Response(200, json=THROTTLED_200), ok({"order": None}))
    with make_client(shop, script, fake_time) as client:
        client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    assert fake_time.sleeps[0] == pytest.approx((100 - 20) / 50)


def test_throttled_wait_adds_up_to_a_quarter_of_jitter(shop: ShopSettings, fake_time: FakeTime) -> None:
    script = Script(httpx.Response(200, json=THROTTLED_200), ok({"order": None}))
    with make_client(shop, script, fake_time) as client:
        client._jitter = lambda: 1.0  # the largest draw
        client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    assert fake_time.sleeps[0] == pytest.approx((100 - 20) / 50 * 1.25)


def test_throttled_is_surfaced_only_when_retries_are_exhausted(
    shop: ShopSettings, fake_time: FakeTime
) -> None:
    script = Script(*[httpx.Response(200, json=THROTTLED_200) for _ in range(3)])
    with make_client(shop, script, fake_time, retries=2) as client, pytest.raises(Throttled) as raised:
        client.execute("order_by_id", {"id": "gid://shopify/Order/1"})
    assert raised.value.retry_after and raised.value.retry_after > 0
    assert client.stats.throttled_surfaced == 1


def test_client_waits_before_sending_when_the_cost_does_not_fit(
    shop: ShopSettings, fake_time: FakeTime
) -> None:
    script = Script(ok({"order": None}, requested=100, available=0), ok({"order": None}, requested=100))
    with make_client(shop, script, fake_time) as client:
        client.execute("order_by_id", {"id": "1"})
        client.execute("order_by_id", {"id": "1"})
    assert fake_time.sleeps == [pytest.approx(2.0)]  # 100 points at 50/s


def test_shared_budget_is_shared_between_clients(shop: ShopSettings, fake_time: FakeTime) -> None:
    budget = CostBudget(restore_rate=50, maximum=1000)
    script = Script(ok({"order": None}, requested=10, available=0), ok({"order": None}, requested=10))
    first = ShopifyClient.from_settings(shop, budget=budget, transport=httpx.MockTransport(script))
    second = ShopifyClient.from_settings(shop, budget=budget, transport=httpx.MockTransport(script))
    for client in (first, second):
        client._monotonic, client._sleep = fake_time.monotonic, fake_time.sleep
    first.execute("order_by_id", {"id": "1"})
    second.execute("order_by_id", {"id": "1"})
    assert fake_time.sleeps == [pytest.approx(0.2)]


def test_mutation_sends_the_idempotency_key(shop: ShopSettings, fake_time: FakeTime) -> None:
    payload = {"inventorySetQuantities": {"inventoryAdjustmentGroup": {"id": "g"}, "userErrors": []}}
    script = Script(ok(payload))
    with make_client(shop, script, fake_time) as client:
        result = client.mutate("inventory_set_quantities", {"input": {}}, key="5b1c-key")
    assert result == payload["inventorySetQuantities"]
    assert script.bodies()[0]["variables"]["key"] == "5b1c-key"


def test_idempotent_mutation_without_a_key_is_refused(shop: ShopSettings, fake_time: FakeTime) -> None:
    with make_client(shop, Script(), fake_time) as client, pytest.raises(ValueError, match="idempotency_key"):
        client.mutate("refund_create", {"input": {}})


def test_user_errors_raise_with_shopifys_message(shop: ShopSettings, fake_time: FakeTime) -> None:
    message = "Refund amount $25.00 is greater than net payment received $15.00"
    payload = {
        "refundCreate": {"refund": None, "order": None, "userErrors": [{"field": None, "message": message}]}
    }
    with make_client(shop, Script(ok(payload)), fake_time) as client, pytest.raises(NeedsPerson) as raised:
        client.mutate("refund_create", {"input": {}}, key="k")
    assert message in str(raised.value)
    assert raised.value.details["messages"] == [message]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(500, text="oops"), RetryLater),
        (httpx.Response(503, text="unavailable"), RetryLater),
        (httpx.Response(403, text="forbidden"), ConfigurationError),
        (httpx.Response(423, text="locked"), Throttled),
        (httpx.Response(200, text="<html>proxy</html>"), RetryLater),
        (
            httpx.Response(200, json={"errors": [{"message": "Field 'x' doesn't exist on type 'Order'"}]}),
            BadInput,
        ),
    ],
)
def test_http_and_graphql_failures_are_translated(
    shop: ShopSettings, fake_time: FakeTime, answer: httpx.Response, error: type[Exception]
) -> None:
    with make_client(shop, Script(answer), fake_time) as client, pytest.raises(error):
        client.execute("order_by_id", {"id": "1"})


def test_timeout_becomes_retry_later(shop: ShopSettings, fake_time: FakeTime) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with make_client(shop, Script(timeout), fake_time) as client, pytest.raises(RetryLater):
        client.execute("order_by_id", {"id": "1"})


def test_graphql_validation_error_names_the_document(shop: ShopSettings, fake_time: FakeTime) -> None:
    answer = httpx.Response(
        200, json={"errors": [{"message": "Variable $id of type ID! was provided invalid value"}]}
    )
    with make_client(shop, Script(answer), fake_time) as client, pytest.raises(BadInput, match="order_by_id"):
        client.execute("order_by_id", {"id": None})
