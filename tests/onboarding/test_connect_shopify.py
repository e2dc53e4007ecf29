"""``shopbridge connect shopify`` against the Shopify sandbox: scopes, registration, idempotence,
drift, and the bad inputs that must change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from onboarding_support import PUBLIC, Receiver, Shop, invoke, write_config

from shopbridge.engine.store import Store
from shopbridge.intake.webhooks import TOPICS

INTAKE = f"{PUBLIC}/webhooks/shopify"
ALL_TOPICS = sorted(t.upper().replace("/", "_") for t in TOPICS)  # every flow is on by default


def _rows(output: str) -> set[str]:
    return {" ".join(line.replace("│", " ").split()) for line in output.splitlines()}


def test_connect_registers_every_topic_once_and_a_second_run_changes_nothing(
    shop: Shop, config: Path, receiver: Receiver
) -> None:
    first = invoke(config, "connect", "shopify")
    assert first.exit_code == 0, first.output
    subs = shop.subscriptions()
    assert sorted(s["topic"] for s in subs) == ALL_TOPICS
    assert {s["uri"] for s in subs} == {INTAKE}
    assert "orders/create created https://shop.example.test/webhooks/shopify" in _rows(first.output)
    second = invoke(config, "connect", "shopify")
    assert second.exit_code == 0, second.output
    assert shop.subscriptions() == subs
    assert "orders/create ok https://shop.example.test/webhooks/shopify" in _rows(second.output)
    assert "created" not in second.output
    # the sandbox now delivers to what was registered (through the tunnel to the receiver)
    shop.place_order()
    shop.flush()
    assert "orders/create" in receiver.topics


def test_the_scope_table_names_each_flows_scopes(config: Path) -> None:
    result = invoke(config, "connect", "shopify", "--check")
    rows = _rows(result.output)
    assert "payouts read_shopify_payments_payouts yes" in rows
    assert "fulfilments write_merchant_managed_fulfillment_orders yes" in rows


def test_missing_scopes_are_refused_by_name_and_nothing_is_registered(shop: Shop, config: Path) -> None:
    shop.settings(granted_scopes=["read_orders", "write_orders", "read_products"])
    result = invoke(config, "connect", "shopify")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "write_inventory" in message and "read_shopify_payments_payouts" in message
    assert "shops[uk].access_token" in message and "fix:" in message
    assert shop.subscriptions() == []


def test_check_lists_missing_scopes_without_refusing(shop: Shop, config: Path) -> None:
    shop.settings(granted_scopes=["write_orders"])
    result = invoke(config, "connect", "shopify", "--check")
    rows = _rows(result.output)
    assert "orders read_orders yes" in rows  # write_orders grants read_orders
    assert "stock write_inventory missing" in rows
    assert result.exit_code == 1  # nothing registered yet: drift
    assert shop.subscriptions() == []


def test_a_public_url_that_is_not_https_is_refused_before_anything(
    shop: Shop, tmp_path: Path, sqlite_store: Store, config: Path
) -> None:
    plain = write_config(tmp_path / "plain.toml", sqlite_store, shop, public_url="http://shop.example.test")
    result = invoke(plain, "connect", "shopify")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "web.public_url" in message and "https://" in message
    assert shop.subscriptions() == []


def test_a_token_shopify_refuses_names_the_secret(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTHER_TOKEN", "shpat_wrong")
    result = invoke(config, "connect", "shopify", "--token-env", "OTHER_TOKEN")
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "--token-env" in message and "refused the access token" in message
    assert "shpat_wrong" not in result.output


def test_a_subscription_pointing_elsewhere_is_reported_and_moved_only_with_force(
    shop: Shop, config: Path
) -> None:
    elsewhere = "https://old.example.test/hooks"
    create = """mutation($t: WebhookSubscriptionTopic!, $i: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $t, webhookSubscription: $i) { userErrors { message } } }"""
    shop.data(create, {"t": "ORDERS_CREATE", "i": {"uri": elsewhere}})
    result = invoke(config, "connect", "shopify")
    assert result.exit_code == 1
    assert any(
        r.startswith("orders/create points elsewhere https://old.example.test/hooks")
        for r in _rows(result.output)
    )
    assert {s["uri"] for s in shop.subscriptions() if s["topic"] == "ORDERS_CREATE"} == {elsewhere}
    forced = invoke(config, "connect", "shopify", "--force")
    assert forced.exit_code == 0, forced.output
    assert {s["uri"] for s in shop.subscriptions() if s["topic"] == "ORDERS_CREATE"} == {INTAKE}


def test_check_reports_a_subscription_shopify_removed_after_failed_deliveries(
    shop: Shop, config: Path, receiver: Receiver
) -> None:
    assert invoke(config, "connect", "shopify").exit_code == 0
    receiver.status = 500
    shop.place_order()
    stats = shop.flush()["stats"]
    assert stats["subscriptions_deleted"]  # 8 retries failed: Shopify deleted them
    result = invoke(config, "connect", "shopify", "--check")
    assert result.exit_code == 1
    rows = _rows(result.output)
    assert any(r.startswith("orders/create removed by Shopify") for r in rows)
    receiver.status = 200
    again = invoke(config, "connect", "shopify")
    assert again.exit_code == 0
    assert "orders/create created https://shop.example.test/webhooks/shopify" in _rows(again.output)
