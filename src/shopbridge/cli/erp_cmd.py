"""``shopbridge erp check``: is the configured ERP reachable, do our credentials work, what can it do?

Exit codes: 0 reachable and authenticated; 1 unreachable (network, server down, 5xx); 2 the
configuration is wrong (no ``[erp]`` section, a missing secret, credentials refused).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge.cli.common import console, err_console, settings_of
from shopbridge.connectors.erp import build_erp
from shopbridge.errors import ConfigurationError, ShopbridgeError
from shopbridge.ports.erp import Capability, ErpHealth, ErpPort

__all__ = ["erp_app"]

erp_app = typer.Typer(help="Check the ERP connection.", no_args_is_help=True)

EXIT_UNREACHABLE = 1
EXIT_CONFIGURATION = 2


@erp_app.callback()
def _erp() -> None:
    """Commands about the configured ERP."""


@erp_app.command("check")
def check(ctx: typer.Context) -> None:
    """Connect to the configured ERP and report reachability, authentication and capabilities."""
    try:
        health = _health(ctx)
    except ConfigurationError as exc:
        err_console.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_CONFIGURATION) from exc
    console.print(health_table(health))
    if not health.reachable:
        raise typer.Exit(EXIT_UNREACHABLE)
    if not health.authenticated:
        raise typer.Exit(EXIT_CONFIGURATION)


def _health(ctx: typer.Context) -> ErpHealth:
    settings = settings_of(ctx, check_secrets=False)
    if settings.erp is None:
        raise ConfigurationError(
            "there is no [erp] section",
            key="erp",
            fix="add [erp] with vendor = ... and its [erp.<vendor>] section",
        )
    port = build_erp(settings.erp)
    try:
        return _checked(port)
    finally:
        _close(port)


def _checked(port: ErpPort) -> ErpHealth:
    try:
        return port.check()
    except ConfigurationError:
        raise
    except ShopbridgeError as exc:  # an adapter whose check() raises rather than reporting
        return ErpHealth(port.vendor, reachable=False, authenticated=False, detail=str(exc))


def _close(port: Any) -> None:
    close = getattr(port, "close", None)
    if callable(close):
        close()


def health_table(health: ErpHealth) -> Table:
    """The report: one row per question, then one per capability (yes / no)."""
    table = Table(title=f"ERP check: {health.vendor}", show_header=True)
    table.add_column("check")
    table.add_column("result")
    table.add_row("reachable", _yes(health.reachable))
    table.add_row("authenticated", _yes(health.authenticated))
    if health.detail:
        table.add_row("detail", escape(health.detail))
    if not (health.reachable and health.authenticated):
        table.add_row("capabilities", "unknown until shopbridge can log in")
        return table
    for capability in Capability:
        table.add_row(f"capability: {capability.value}", _yes(capability in health.capabilities))
    return table


def _yes(flag: bool) -> str:
    return "[green]yes[/green]" if flag else "[red]no[/red]"
