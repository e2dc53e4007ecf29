"""Shared fixtures for the Shopify connector tests."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING

import pytest
from graphql import GraphQLSchema, build_schema

from shopbridge.config import ShopSettings, parse_settings

if TYPE_CHECKING:
    from shopify_support import FakeTime
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings


@pytest.fixture(scope="session")
def admin_schema() -> GraphQLSchema:
    """The pinned Admin schema, built once per session (3.8 MB of SDL).

    ``assume_valid``: the published SDL breaks graphql-core's own schema rules in a few places
    (deprecated implementations of non-deprecated interface fields); the schema is Shopify's and
    what we check is our documents against it.
    """
    sdl = resources.files("shopbridge.reference") / "shopify" / "admin-graphql-2026-07.graphql"
    return build_schema(sdl.read_text(encoding="utf-8"), assume_valid=True)


@pytest.fixture
def fake_time() -> FakeTime:
    from shopify_support import FakeTime

    return FakeTime()


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A Shopify sandbox with the standard catalogue, on a free port, with its token and secret in env."""
    from shopify_support import SECRET_ENV, TOKEN_ENV

    server = SandboxServer(SandboxSettings(seed_catalogue=True, seed=7))
    server.start()
    monkeypatch.setenv(TOKEN_ENV, server.sandbox.settings.access_token)
    monkeypatch.setenv(SECRET_ENV, server.sandbox.settings.webhook_secret)
    yield server
    emitter = getattr(server.state, "webhook_emitter", None)
    if emitter is not None:
        emitter.stop()
    server.stop()


@pytest.fixture
def sandbox_shop(sandbox: SandboxServer) -> ShopSettings:
    from shopify_support import settings_data

    return parse_settings(settings_data(sandbox)).shops[0]
