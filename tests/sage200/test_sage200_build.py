"""``build(settings)`` (what ``shopbridge erp check`` uses) and the ``shopbridge sandbox sage200`` command."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from shopbridge.cli.sandbox_sage200 import register
from shopbridge.config.erp import Sage200Settings
from shopbridge.config.secrets import SecretRef
from shopbridge.connectors.erp.sage200 import CAPABILITIES, Sage200Adapter, build
from shopbridge.errors import ConfigurationError
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.sage200 import Sage200Sandbox


def settings_for(sandbox: Sage200Sandbox) -> Sage200Settings:
    return Sage200Settings(
        base_url=sandbox.base_url,
        site_id=sandbox.site_id,
        company_id=sandbox.company_id,
        access_token=SecretRef(env="SHOPBRIDGE_TEST_SAGE200_TOKEN"),
    )


def test_build_reads_the_token_from_its_secret_and_reports_health(
    sandbox: Sage200Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPBRIDGE_TEST_SAGE200_TOKEN", sandbox.token)
    port = build(settings_for(sandbox))
    assert isinstance(port, ErpPort) and isinstance(port, Sage200Adapter)
    try:
        health = port.check()
    finally:
        port.close()
    assert (health.vendor, health.reachable, health.authenticated, health.capabilities) == (
        "sage200",
        True,
        True,
        CAPABILITIES,
    )
    assert "Sandbox site" in health.detail


def test_build_without_the_token_names_the_setting(
    sandbox: Sage200Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPBRIDGE_TEST_SAGE200_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match=r"erp\.sage200\.access_token"):
        build(settings_for(sandbox))


def test_the_sandbox_command_is_registered_as_sage200() -> None:
    app = typer.Typer()
    register(app)

    @app.command("other")
    def other() -> None:
        """Typer needs two commands to keep sub-command names."""

    result = CliRunner().invoke(app, ["sage200", "--help"])
    assert result.exit_code == 0
    assert "OpenAPI" in result.output
