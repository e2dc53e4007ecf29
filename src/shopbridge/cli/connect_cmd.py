"""``shopbridge connect shopify|erp``: prove each connection works and set up what it needs.

Exit codes: 0 connected (or, with ``--check``, no drift); 1 drift or a subscription pointing
elsewhere left alone; 2 the configuration must change first (the message names the key and the fix).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge.cli.common import console, open_services, settings_of
from shopbridge.config.model import SHOPIFY_API_VERSION, Settings, ShopSettings
from shopbridge.config.secrets import SecretRef
from shopbridge.errors import ConfigurationError
from shopbridge.onboarding import connect
from shopbridge.ports.store import UnitOfWork

__all__ = ["connect_app"]

connect_app = typer.Typer(help="Connect Shopify and the ERP, checking each step.", no_args_is_help=True)

EXIT_DRIFT = 1


@connect_app.callback()
def _connect() -> None:
    """Connect a store or the ERP."""


@connect_app.command("shopify")
def shopify(
    ctx: typer.Context,
    token_env: Annotated[
        str,
        typer.Option(
            help="environment variable holding the Admin API access token (instead of the config's)",
            show_default="the config's shops.access_token",
        ),
    ] = "",
    shop: Annotated[
        str, typer.Option(help="only the store with this shops.name", show_default="every store")
    ] = "",
    check: Annotated[bool, typer.Option("--check", help="report drift only; change nothing")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="re-point subscriptions that point elsewhere")
    ] = False,
) -> None:
    """Check the token and its scopes, then register the webhooks the enabled flows need."""
    settings = settings_of(ctx)
    address = connect.intake_address(settings.web.public_url, _intake_path())
    shops = _shops(settings, shop)
    drift = False
    with open_services(ctx) as services:
        from shopbridge.engine.uow import StoreUnitOfWork

        uow = StoreUnitOfWork(services.store, services.clock)
        for one in shops:
            report = _connect_one(settings, one, token_env, uow, address, check=check, force=force)
            _print(report, address)
            drift = drift or bool(report.drift)
    if drift:
        raise typer.Exit(EXIT_DRIFT)


def _connect_one(
    settings: Settings,
    shop: ShopSettings,
    token_env: str,
    uow: UnitOfWork,
    address: str,
    *,
    check: bool,
    force: bool,
) -> connect.ShopReport:
    from shopbridge.bootstrap import enabled_flows
    from shopbridge.connectors.shopify.client import ShopifyClient
    from shopbridge.intake.webhooks import routes_for

    token_key = "--token-env" if token_env else f"shops[{shop.name}].access_token"
    if token_env:
        shop = shop.model_copy(update={"access_token": SecretRef(env=token_env)})
    flows = enabled_flows(settings)
    with ShopifyClient.from_settings(shop) as client:
        return connect.connect_shop(
            client,
            uow,
            shop=shop.name,
            token_key=token_key,
            switches=sorted({flow.switch for flow in flows}),
            topics=routes_for(flows),
            address=address,
            check=check,
            force=force,
        )


def _intake_path() -> str:
    from shopbridge.web.intake import WEBHOOK_PATH

    return WEBHOOK_PATH


def _shops(settings: Settings, name: str) -> list[ShopSettings]:
    if not settings.shops:
        raise ConfigurationError("there is no [[shops]] entry", key="shops", fix="add a [[shops]] section")
    if not name:
        return list(settings.shops)
    found = settings.shop_by_name(name)
    if found is None:
        known = ", ".join(s.name for s in settings.shops)
        raise ConfigurationError(
            f"no store named {name!r} (known: {known})", key="shops.name", fix="pass --shop"
        )
    return [found]


def _print(report: connect.ShopReport, address: str) -> None:
    console.print(
        f"[bold]{escape(report.shop)}[/bold]: connected to {escape(report.shop_name)} "
        f"(Admin API {SHOPIFY_API_VERSION}); webhooks to {escape(address)}"
    )
    console.print(_scope_table(report))
    console.print(_subscription_table(report))
    if report.missing:
        lacking = sorted({s for scopes in report.missing.values() for s in scopes})
        console.print(f"[red]missing scopes:[/red] {', '.join(lacking)}")


def _scope_table(report: connect.ShopReport) -> Table:
    table = Table(title=f"access scopes: {report.shop}")
    for column in ("flow", "scope", "granted"):
        table.add_column(column)
    for flow, scopes in sorted(report.needed.items()):
        for scope in scopes:
            lacking = scope in report.missing.get(flow, ())
            table.add_row(flow, scope, "[red]missing[/red]" if lacking else "[green]yes[/green]")
    return table


def _subscription_table(report: connect.ShopReport) -> Table:
    table = Table(title=f"webhook subscriptions: {report.shop}")
    for column in ("topic", "status", "address", "detail"):
        table.add_column(column)
    for sub in report.subscriptions:
        colour = "green" if sub.status in (connect.OK, connect.CREATED, connect.UPDATED) else "red"
        table.add_row(sub.topic, f"[{colour}]{sub.status}[/{colour}]", escape(sub.uri), escape(sub.detail))
    return table
