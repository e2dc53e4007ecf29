"""Fixtures of the access tests: an app with configured secrets and a viewer, an operator and an admin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from cli.live_server import serve
from cli.signing import add_user
from shopbridge.bootstrap import Services, build_services
from shopbridge.config import parse_settings
from shopbridge.domain.access import Role
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.web.app import create_app

SECRETS = {
    "T_SHOP_TOKEN": "shpat_never-shown-0123456789",
    "T_HOOK_SECRET": "whsec-never-shown-9876543210",
    "T_SESSION_SECRET": "session-secret-never-shown-555",
}


@pytest.fixture
def configured_secrets() -> dict[str, str]:
    """The values of every secret the app is configured with (none may ever be rendered)."""
    return dict(SECRETS)


@pytest.fixture
def services(sqlite_store: Store, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Services:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = parse_settings(
        {
            "web": {"session_secret": {"env": "T_SESSION_SECRET"}},
            "shops": [
                {
                    "name": "uk",
                    "domain": "uk.myshopify.com",
                    "access_token": {"env": "T_SHOP_TOKEN"},
                    "webhook_secrets": [{"env": "T_HOOK_SECRET"}],
                }
            ],
        }
    )
    services = build_services(settings, store=sqlite_store, clock=fake_clock)
    for name, role in (("vera", Role.VIEWER), ("otto", Role.OPERATOR), ("ada", Role.ADMIN)):
        add_user(services, name, role)
    return services


@pytest.fixture
def app(services: Services) -> Starlette:
    return create_app(services)


@pytest.fixture
def base(app: Starlette) -> Iterator[str]:
    with serve(app) as base_url:
        yield base_url


@pytest.fixture
def anonymous(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base) as client:
        yield client
