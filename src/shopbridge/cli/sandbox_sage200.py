"""``shopbridge sandbox sage200``: serve the Sage 200 sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import typer

from shopbridge.cli.common import serve_until_stopped

# The server is imported inside the command: loading it (openapi-core, 11 specs) costs ~0.3 s,
# which every other `shopbridge` command would pay for nothing.
LEVERS = (
    "POST /_sandbox/items {sku,name,price,active} · POST /_sandbox/items/{sku}/active {active} · "
    "POST /_sandbox/stock {sku,warehouse,free} · POST /_sandbox/despatch {reference,courier,consignment} · "
    "POST /_sandbox/customers/{account}/credit_limit {limit} · "
    "POST /_sandbox/faults {status,times}|{latency_seconds}|{timeouts,seconds}|{} · "
    "GET /_sandbox/counts?reference="
)


def register(app: typer.Typer) -> None:
    @app.command("sage200")
    def sage200(
        port: int = typer.Option(0, help="port on 127.0.0.1 (0 picks a free one)"),
        token: str = typer.Option(
            "sandbox-token", envvar="SHOPBRIDGE_SANDBOX_SAGE200_TOKEN", help="the bearer token it accepts"
        ),
    ) -> None:
        """Sage 200 REST, validated both ways against the real OpenAPI specs; levers at /_sandbox/."""
        from shopbridge.sandbox.sage200 import Sage200Sandbox

        sandbox = Sage200Sandbox(token=token, port=port)
        url = sandbox.start()
        typer.echo(f"Sage 200 sandbox at {url}; Ctrl-C stops it")
        typer.echo(f'[erp.sage200] base_url = "{url}", site_id = "{sandbox.site_id}"')
        typer.echo(f'              company_id = "{sandbox.company_id}", access_token = {{ env = "..." }}')
        typer.echo(f"levers: {LEVERS}")
        serve_until_stopped(sandbox.stop)
