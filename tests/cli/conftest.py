"""Fixtures of the CLI tests: a seeded store and a config file that points at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.seeding import Seeded, seed, write_config
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store


@pytest.fixture
def seeded(store: Store, fake_clock: FakeClock) -> Seeded:
    return seed(store, fake_clock)


@pytest.fixture
def config(tmp_path: Path, store: Store) -> Path:
    return write_config(tmp_path / "shopbridge.toml", store)
