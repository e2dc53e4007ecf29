"""``shopbridge alerts test``: a test alert through each configured route, each delivery recorded.

A delivery the channel accepted (SMTP took the mail, the webhook answered 2xx) counts as the
acknowledgement the go-live gate "alert routes tested" asks for. Exit 1 when any route failed.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge.cli.common import console, open_services
from shopbridge.golive.switch import send_test_alerts

__all__ = ["alerts_app"]

alerts_app = typer.Typer(help="Test the alert routes.", no_args_is_help=True)


@alerts_app.callback()
def _alerts() -> None:
    """Alert routes."""


@alerts_app.command("test")
def test(
    ctx: typer.Context,
    route: Annotated[
        list[str] | None, typer.Option(help="only this route (repeatable)", show_default="every route")
    ] = None,
) -> None:
    """Send a test alert through each configured route and record whether it was delivered."""
    with open_services(ctx, check_secrets=True) as services:
        if not services.settings.alerts.routes:
            console.print("no [[alerts.routes]] configured: nothing to test", markup=False)
            raise typer.Exit(1)
        results = send_test_alerts(services, route or ())
    table = Table(title="test alerts")
    for column in ("route", "delivered", "detail"):
        table.add_column(column)
    for result in results:
        status = "[green]yes[/green]" if result.ok else "[red]no[/red]"
        table.add_row(escape(result.route), status, escape(result.detail))
    console.print(table)
    if not all(result.ok for result in results):
        raise typer.Exit(1)
