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
from shopbridge.onboarding import connect, lookups_check
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


@connect_app.command("erp")
def erp(ctx: typer.Context) -> None:
    """Run `erp check`, then look up every code the config names (warehouses, tax codes, nominal
    codes, price lists, carriers, web-sales and B2B accounts) in the ERP."""
    from shopbridge.cli import erp_cmd
    from shopbridge.connectors.erp import build_erp

    erp_cmd.check(ctx)  # exits 1 or 2 itself when the ERP cannot be reached or refuses us
    settings = settings_of(ctx)
    assert settings.erp is not None  # erp check refused a config without one
    port = build_erp(settings.erp)
    try:
        results = lookups_check.check_lookups(port, lookups_check.config_lookups(settings))
    finally:
        close = getattr(port, "close", None)
        if callable(close):
            close()
    console.print(_lookup_table(results))
    missing = [r for r in results if r.status == lookups_check.MISSING]
    if missing:
        names = ", ".join(f"{r.lookup.kind} {r.lookup.code} ({r.lookup.key})" for r in missing)
        console.print(f"[red]missing in the ERP:[/red] {escape(names)}")
        raise typer.Exit(EXIT_DRIFT)


def _lookup_table(results: list[lookups_check.LookupResult]) -> Table:
    table = Table(title="config lookups in the ERP")
    for column in ("kind", "code", "config key", "status", "detail"):
        table.add_column(column)
    colours = {
        lookups_check.FOUND: "green",
        lookups_check.MISSING: "red",
        lookups_check.NOT_CHECKABLE: "yellow",
    }
    for r in results:
        colour = colours[r.status]
        status = f"[{colour}]{r.status}[/{colour}]"
        table.add_row(r.lookup.kind, escape(r.lookup.code), escape(r.lookup.key), status, escape(r.detail))
    return table
