"""The composition root: the flows list feeds registry and topics; missing pieces are configuration errors."""

from __future__ import annotations

import sys

import pytest

from shopbridge.bootstrap import Runtime, Services, build_registry, build_services
from shopbridge.config import Settings, parse_settings
from shopbridge.config.model import FlowSettings
from shopbridge.engine import queue
from shopbridge.engine.store import Store
from shopbridge.errors import ConfigurationError
from shopbridge.flows import FLOWS, order_to_sales_order
from shopbridge.intake.webhooks import TopicRoute


@pytest.fixture
def memory_store() -> Store:
    return Store.connect("sqlite://")


def installed(**extra: object) -> Settings:
    """An installation with a shop and an ERP (flows run only between the two)."""
    return parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "brand-uk.myshopify.com",
                    "access_token": {"env": "WIRING_TOKEN"},
                    "webhook_secrets": [{"env": "WIRING_SECRET"}],
                }
            ],
            "erp": {
                "vendor": "tryton",
                "tryton": {
                    "url": "http://127.0.0.1:9",
                    "database": "x",
                    "password": {"env": "WIRING_TRYTON"},
                },
            },
            **extra,
        }
    )


def test_the_registry_holds_every_flow_and_the_order_sweep(memory_store: Store) -> None:
    every_switch_on = {"flows": dict.fromkeys(FlowSettings.model_fields, True)}  # some are off by default
    registry = build_registry(build_services(installed(**every_switch_on), store=memory_store))
    assert {flow.kind for flow in FLOWS} <= registry.kinds()
    assert {"sweep.orders", "sweep.order_sweep"} <= registry.kinds()


def test_without_an_erp_no_flow_sweep_is_scheduled(memory_store: Store) -> None:
    memory_store.migrate()
    bare = Runtime(build_services(Settings(), store=memory_store), threads=1)
    full = Runtime(build_services(installed(), store=memory_store), threads=1)
    assert "erp_items" not in bare.scheduler.plan and "order_sweep" in bare.scheduler.plan
    assert "erp_items" in full.scheduler.plan


def test_a_flow_turned_off_takes_its_kinds_and_topics_with_it(memory_store: Store) -> None:
    services = build_services(installed(flows={"orders": False}), store=memory_store)
    assert "shopify.order" not in build_registry(services).kinds()
    assert "orders/paid" not in services.routes


def test_the_topic_table_sends_order_topics_to_the_order_flow(memory_store: Store) -> None:
    routes = build_services(installed(), store=memory_store).routes
    assert {topic for topic, route in routes.items() if route.kind == order_to_sales_order.KIND} == set(
        order_to_sales_order.TOPICS
    )


def test_a_topic_whose_kind_has_no_handler_fails_at_start_up_with_its_name(
    memory_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = TopicRoute("shopify.refund", "order", "order_id", "Order")
    monkeypatch.setattr(Services, "routes", property(lambda self: {"refunds/create": extra}))
    with pytest.raises(ConfigurationError, match=r"shopify\.refund have webhook topics but no handler"):
        build_registry(build_services(Settings(), store=memory_store))


def test_pending_jobs_of_a_kind_without_a_handler_stop_the_start(memory_store: Store) -> None:
    memory_store.migrate()
    services = build_services(Settings(), store=memory_store)
    with memory_store.begin() as conn:
        queue.enqueue(conn, "shopify.refund", {}, dedup_key="r1")
    with pytest.raises(ConfigurationError, match=r"kind\(s\) shopify\.refund have no handler"):
        Runtime(services, threads=1)


def test_an_unknown_shop_name_is_a_configuration_error(memory_store: Store) -> None:
    services = build_services(Settings(), store=memory_store)
    with pytest.raises(
        ConfigurationError, match=r"no \[\[shops\]\] entry is named 'uk' \(configured: none\)"
    ):
        services.shopify("uk")


def test_no_erp_configured_is_a_configuration_error(memory_store: Store) -> None:
    services = build_services(Settings(), store=memory_store)
    with pytest.raises(ConfigurationError, match=r"no ERP is configured.*\[erp\] section"):
        _ = services.erp


def test_shopify_clients_are_built_once_per_shop_on_first_use(
    memory_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRING_TOKEN", "shpat_x")
    monkeypatch.setenv("WIRING_SECRET", "whsec")
    settings = parse_settings(
        {
            "shops": [
                {
                    "name": "uk",
                    "domain": "brand-uk.myshopify.com",
                    "access_token": {"env": "WIRING_TOKEN"},
                    "webhook_secrets": [{"env": "WIRING_SECRET"}],
                }
            ]
        }
    )
    services = build_services(settings, store=memory_store)
    assert services.shopify("uk") is services.shopify("uk")


def test_the_erp_adapter_is_built_from_the_configured_vendor(
    memory_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRING_TRYTON", "admin")
    settings = parse_settings(
        {
            "erp": {
                "vendor": "tryton",
                "tryton": {
                    "url": "http://127.0.0.1:9",
                    "database": "x",
                    "password": {"env": "WIRING_TRYTON"},
                },
            }
        }
    )
    services = build_services(settings, store=memory_store)
    assert services.erp is services.erp


def test_a_flows_sweep_is_scheduled_once_per_shop_and_the_alerts_once(memory_store: Store) -> None:
    memory_store.migrate()
    two_shops = installed().model_copy(deep=True)
    second = two_shops.shops[0].model_copy(update={"name": "eu", "domain": "brand-eu.myshopify.com"})
    two_shops = two_shops.model_copy(update={"shops": [*two_shops.shops, second]})
    plan = Runtime(build_services(two_shops, store=memory_store), threads=1).scheduler.plan
    assert plan["erp_stock"].shops == ("uk", "eu")
    assert plan["payouts"].shops == ("uk", "eu")
    assert plan["alerts"].shops == ()  # not a store's: one job
    assert plan["order_sweep"].shops == ()  # walks every shop itself


def test_a_started_runtime_hands_the_gil_to_an_answered_thread_within_a_millisecond(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "setswitchinterval", lambda seconds: set_to.append(seconds))
    monkeypatch.setattr(sys, "getswitchinterval", lambda: 0.005)  # Python's default
    set_to: list[float] = []
    runtime = Runtime(build_services(Settings(), store=sqlite_store), threads=1)
    runtime.start()
    try:
        assert set_to and set_to[-1] <= 0.001
    finally:
        runtime.stop(timeout=10)
