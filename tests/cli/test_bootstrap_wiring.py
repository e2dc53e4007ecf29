"""The composition root: every listed flow registers, and missing pieces are configuration errors."""

from __future__ import annotations

import pytest

from shopbridge import bootstrap
from shopbridge.bootstrap import build_registry, build_services
from shopbridge.config import Settings, parse_settings
from shopbridge.engine.store import Store
from shopbridge.errors import ConfigurationError


@pytest.fixture
def memory_store() -> Store:
    return Store.connect("sqlite://")


def test_every_flow_module_registers_its_handlers(memory_store: Store) -> None:
    registry = build_registry(build_services(Settings(), store=memory_store))
    assert "sweep.orders" in registry.kinds()  # the order sweep
    assert "shopify.order" in registry.kinds()  # the intake's topics


def test_a_listed_flow_module_that_does_not_exist_is_an_error(
    memory_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "FLOW_MODULES", ["shopbridge.flows.no_such_flow"])
    with pytest.raises(ModuleNotFoundError, match="no_such_flow"):
        build_registry(build_services(Settings(), store=memory_store))


def test_a_flow_module_without_register_is_a_configuration_error(
    memory_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap, "FLOW_MODULES", ["shopbridge.domain.money"])
    with pytest.raises(ConfigurationError, match=r"shopbridge.domain.money has no register\(registry\)"):
        build_registry(build_services(Settings(), store=memory_store))


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
