"""``shopbridge sandbox shopify``: serve the Shopify sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import typer

from shopbridge.cli.common import serve_until_stopped

LEVERS = (
    "POST /_sandbox/reset · POST /_sandbox/seed {seed} · "
    "GET|POST /_sandbox/settings {latency_ms, error_rate, error_status, throttle_as_429, bucket_size, "
    "restore_rate, refill, seed} · GET /_sandbox/state · GET /_sandbox/bulk/<id>.jsonl"
)


def register(app: typer.Typer) -> None:
    @app.command("shopify")
    def shopify(
        port: int = typer.Option(0, help="port on 127.0.0.1 (0 picks a free one)"),
        restore_rate: float = typer.Option(
            100.0, help="cost points restored per second (Standard plan: 100)"
        ),
        bucket_size: float = typer.Option(2000.0, help="cost bucket size (maximumAvailable)"),
        seed: int = typer.Option(7, help="seed for the standard catalogue's quantities and for faults"),
        catalogue: bool = typer.Option(True, help="start with the standard catalogue"),
        webhook_url: str = typer.Option("", help="address that receives the sandbox's webhooks"),
        webhook_secret: str = typer.Option(
            "sandbox-webhook-secret", envvar="SHOPBRIDGE_SANDBOX_SHOPIFY_WEBHOOK_SECRET", help="HMAC secret"
        ),
        token: str = typer.Option(
            "shpat_sandbox_token", envvar="SHOPBRIDGE_SANDBOX_SHOPIFY_TOKEN", help="access token it accepts"
        ),
    ) -> None:
        """Shopify Admin GraphQL 2026-07 from the real schema, with cost throttling; levers at /_sandbox/."""
        from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

        settings = SandboxSettings(
            access_token=token,
            bucket_size=bucket_size,
            restore_rate=restore_rate,
            seed=seed,
            seed_catalogue=catalogue,
            webhook_url=webhook_url or None,
            webhook_secret=webhook_secret,
        )
        server = SandboxServer(settings)
        url = server.start(port or None)
        typer.echo(f"Shopify sandbox at {url}; Ctrl-C stops it")
        typer.echo(f"GraphQL: {server.graphql_url} (header X-Shopify-Access-Token)")
        typer.echo(f'[shopify] shop = "{settings.shop_domain}", admin_url = "{url}"')
        typer.echo(f"levers: {LEVERS}")
        serve_until_stopped(server.stop)
