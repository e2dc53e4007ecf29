"""A Prima sandbox on 127.0.0.1 and an adapter wired to it (``comwsomhandler``), fresh per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shopbridge.config.erp import PrimaSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.prima import PrimaAdapter
from shopbridge.sandbox.prima import Login, PrimaSandbox

PASSWORD = "prima-s3cret"


@pytest.fixture
def sandbox() -> Iterator[PrimaSandbox]:
    running = PrimaSandbox(Login(password=PASSWORD))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def settings(sandbox: PrimaSandbox, tmp_path: Path) -> PrimaSettings:
    secret = tmp_path / "password"
    secret.write_text(PASSWORD, encoding="utf-8")
    return PrimaSettings(
        base_url=sandbox.service_url,
        company_id="01",
        username="shopbridge",
        password=SecretRef(file=str(secret)),
        timeout_seconds=2,
    )


@pytest.fixture
def adapter(settings: PrimaSettings) -> Iterator[PrimaAdapter]:
    made = PrimaAdapter(settings)
    yield made
    made.client.close()
