"""``POST /webhooks/shopify`` over real HTTP to uvicorn on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from starlette.applications import Starlette

from shopbridge.bootstrap import Services
from shopbridge.config import parse_settings
from shopbridge.connectors.shopify.verify import sign
from shopbridge.engine import counters
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.schema import inbox_events, jobs, problems
from shopbridge.engine.store import Store
from shopbridge.web.intake import WEBHOOK_PATH, intake_routes

UK, EU = "uk-store.myshopify.com", "eu-store.myshopify.com"
SECRETS = {"UK_OLD": "uk-old-secret", "UK_NEW": "uk-new-secret", "EU_ONLY": "eu-secret"}
ORDER = {"id": 450789469, "name": "#1001", "updated_at": "2026-01-01T10:00:00-05:00", "currency": "GBP"}


def settings_data() -> dict[str, Any]:
    return {
        "web": {"max_body_bytes": 4096},
        "shops": [
            {"name": "uk", "domain": UK, "access_token": {"env": "UK_TOKEN"},
             "webhook_secrets": [{"env": "UK_OLD"}, {"env": "UK_NEW"}]},
            {"name": "eu", "domain": EU, "access_token": {"env": "EU_TOKEN"},
             "webhook_secrets": [{"env": "EU_ONLY"}]},
        ],
    }  # fmt: skip


class Served:
    """uvicorn serving an app in a thread on a free 127.0.0.1 port."""

    def __init__(self, app: Starlette) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def intake(store: Store, monkeypatch: pytest.MonkeyPatch, fake_clock: FakeClock) -> Iterator[str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    services = Services(settings=parse_settings(settings_data()), store=store, clock=fake_clock)
    with Served(Starlette(routes=intake_routes(services))) as served:
        yield served.url


def headers(body: bytes, *, secret: str = SECRETS["UK_NEW"], shop: str = UK, **extra: str) -> dict[str, str]:
    base = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": "wh-1",
        "X-Shopify-Event-Id": "ev-1",
        "X-Shopify-Triggered-At": "2026-01-01T15:00:00.123Z",
        "X-Shopify-Hmac-Sha256": sign(secret, body),
        "Content-Type": "application/json",
    }
    return {**base, **{k.replace("_", "-"): v for k, v in extra.items()}}


def post(url: str, body: bytes, head: dict[str, str]) -> httpx.Response:
    return httpx.post(url + WEBHOOK_PATH, content=body, headers=head, timeout=10)


def rows(store: Store, table: sa.Table) -> list[dict[str, Any]]:
    with store.begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def counter(store: Store, name: str) -> int:
    with store.begin() as conn:
        return counters.read(conn, name)


BODY = json.dumps(ORDER).encode()


def test_same_webhook_delivered_three_times_concurrently_makes_one_event_and_one_job(
    intake: str, store: Store
) -> None:
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: post(intake, BODY, headers(BODY)), range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert sorted(a.json()["outcome"] for a in answers) == ["accepted", "duplicate", "duplicate"]
    events = [e for e in rows(store, inbox_events) if e["source"] == "shopify"]
    assert len(events) == 1
    assert (events[0]["topic"], events[0]["shop"], events[0]["api_version"]) == (
        "orders/create",
        "uk",
        "2026-07",
    )
    assert events[0]["triggered_at"] is not None and json.loads(events[0]["payload"]) == ORDER
    [job] = rows(store, jobs)
    assert (job["kind"], job["entity_key"], job["shop"]) == ("shopify.order", "order:uk:450789469", "uk")
    assert job["payload"]["order_id"] == "gid://shopify/Order/450789469"
    assert job["payload"]["inbox_event_id"] == events[0]["id"]


def test_forged_webhook_gets_401_and_leaves_only_a_counter(intake: str, store: Store) -> None:
    answer = post(intake, BODY, headers(BODY, secret="not-the-secret"))
    assert answer.status_code == 401
    assert rows(store, inbox_events) == [] and rows(store, jobs) == [] and rows(store, problems) == []
    assert counter(store, "webhooks.rejected.signature") == 1


def test_missing_signature_gets_401(intake: str, store: Store) -> None:
    head = headers(BODY)
    del head["X-Shopify-Hmac-Sha256"]
    assert post(intake, BODY, head).status_code == 401
    assert rows(store, inbox_events) == []


@pytest.mark.parametrize("secret", ["UK_OLD", "UK_NEW"])
def test_old_and_new_secret_are_both_accepted_during_rotation(intake: str, store: Store, secret: str) -> None:
    assert post(intake, BODY, headers(BODY, secret=SECRETS[secret])).status_code == 200
    assert len(rows(store, jobs)) == 1


def test_body_larger_than_the_limit_gets_413(intake: str, store: Store) -> None:
    body = json.dumps({**ORDER, "note": "x" * 5000}).encode()
    assert post(intake, body, headers(body)).status_code == 413
    assert rows(store, inbox_events) == []


def test_unknown_shop_gets_401(intake: str, store: Store) -> None:
    answer = post(intake, BODY, headers(BODY, shop="stranger.myshopify.com"))
    assert answer.status_code == 401
    assert rows(store, inbox_events) == []
    assert counter(store, "webhooks.rejected.unknown_shop") == 1


def test_each_store_is_verified_with_its_own_secret_and_routed_to_its_flows(
    intake: str, store: Store
) -> None:
    assert post(intake, BODY, headers(BODY, shop=EU, secret=SECRETS["UK_NEW"])).status_code == 401
    assert post(intake, BODY, headers(BODY, shop=EU, secret=SECRETS["EU_ONLY"])).status_code == 200
    assert post(intake, BODY, headers(BODY, shop=UK, secret=SECRETS["UK_NEW"])).status_code == 200
    assert sorted((j["shop"], j["entity_key"]) for j in rows(store, jobs)) == [
        ("eu", "order:eu:450789469"),
        ("uk", "order:uk:450789469"),
    ]


def test_malformed_json_is_kept_with_a_problem_and_answered_200(intake: str, store: Store) -> None:
    body = b'{"id": 1, "name": '
    answer = post(intake, body, headers(body))
    assert (answer.status_code, answer.json()["outcome"]) == (200, "malformed")
    [event] = rows(store, inbox_events)
    assert (event["status"], event["payload"]) == ("malformed", body.decode())
    [problem] = rows(store, problems)
    assert problem["kind"] == "malformed_webhook"
    assert rows(store, jobs) == []


def test_unknown_topic_is_kept_with_a_problem_and_answered_200(intake: str, store: Store) -> None:
    answer = post(intake, BODY, headers(BODY, X_Shopify_Topic="carts/update"))
    assert (answer.status_code, answer.json()["outcome"]) == (200, "unknown_topic")
    [event] = rows(store, inbox_events)
    assert event["status"] == "unknown_topic"
    [problem] = rows(store, problems)
    assert (problem["kind"], problem["entity_id"]) == ("unknown_webhook_topic", "carts/update")


def test_webhook_id_is_the_dedup_key_when_the_event_id_is_absent(intake: str, store: Store) -> None:
    head = headers(BODY)
    del head["X-Shopify-Event-Id"]
    for _ in range(2):
        assert post(intake, BODY, head).status_code == 200
    events = [e for e in rows(store, inbox_events) if e["source"] == "shopify"]
    assert [e["event_id"] for e in events] == ["wh-1"]


def test_chunked_body_without_a_length_is_cut_off_at_the_limit(intake: str, store: Store) -> None:
    body = json.dumps({**ORDER, "note": "x" * 5000}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    answer = httpx.post(intake + WEBHOOK_PATH, content=chunks(), headers=headers(body), timeout=10)
    assert answer.status_code == 413
    assert rows(store, inbox_events) == []
    assert counter(store, "webhooks.rejected.too_large") == 1
