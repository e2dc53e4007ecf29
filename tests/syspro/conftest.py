"""A SYSPRO sandbox on 127.0.0.1 and an adapter wired to it, fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shopbridge.config.erp import SysproSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.syspro import SysproAdapter
from shopbridge.sandbox.syspro import Credentials, SysproSandbox

PASSWORD = "s3cret-operator"


@pytest.fixture
def sandbox() -> Iterator[SysproSandbox]:
    running = SysproSandbox(Credentials(operator_password=PASSWORD))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def settings(sandbox: SysproSandbox, tmp_path: Path) -> SysproSettings:
    secret = tmp_path / "operator_password"
    secret.write_text(PASSWORD, encoding="utf-8")
    return SysproSettings(
        base_url=sandbox.base_url,
        operator="SHOPBRIDGE",
        operator_password=SecretRef(file=str(secret)),
        company_id="EDU1",
        timeout_seconds=2,
    )


@pytest.fixture
def adapter(settings: SysproSettings) -> Iterator[SysproAdapter]:
    made = SysproAdapter(settings)
    yield made
    made.client.close()
