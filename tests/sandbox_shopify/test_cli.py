"""The ``shopbridge sandbox shopify`` command is offered with its options."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from shopbridge.cli.sandbox_shopify import register


def test_shopify_command_offers_port_rate_bucket_seed_and_webhook_options() -> None:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer from collapsing the group
        """Nothing."""

    result = CliRunner().invoke(app, ["shopify", "--help"])
    assert result.exit_code == 0, result.output
    for option in (
        "--port",
        "--restore-rate",
        "--bucket-size",
        "--seed",
        "--webhook-url",
        "--webhook-secret",
    ):
        assert option in result.output
