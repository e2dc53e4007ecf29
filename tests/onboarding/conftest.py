"""Fixtures of the onboarding tests: a sandbox shop, a receiver behind a "tunnel", a config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from onboarding_support import (
    PUBLIC,
    SECRET_ENV,
    TOKEN,
    TOKEN_ENV,
    Receiver,
    Shop,
    running_shop,
    write_config,
)

from shopbridge.engine.store import Store


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


@pytest.fixture
def receiver(shop: Shop) -> Iterator[Receiver]:
    """A local receiver the sandbox reaches through its tunnel setting for the public URL."""
    for running in Receiver().serve():
        shop.webhooks(tunnels={PUBLIC: running.url}, time_compression=100_000.0)
        yield running


@pytest.fixture
def config(tmp_path: Path, sqlite_store: Store, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(SECRET_ENV, "whsec")
    return write_config(tmp_path / "shopbridge.toml", sqlite_store, shop)
