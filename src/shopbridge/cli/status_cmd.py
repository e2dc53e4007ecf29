"""``shopbridge status``: queue depth and oldest age by kind and state; open problems by owner."""

from __future__ import annotations

import json

import typer

from shopbridge import admin
from shopbridge.cli.common import console, open_services
from shopbridge.cli.render import problem_counts_table, queue_table

__all__ = ["register", "status"]


def status(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables"),
) -> None:
    """Show the queue (depth and age of the oldest job by kind and state) and open problems."""
    with open_services(ctx) as services:
        report = admin.status(services)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        return
    console.print(queue_table(report.queue) if report.queue else "The queue is empty.")
    console.print(problem_counts_table(report.problems) if report.problems else "No open problems.")


def register(app: typer.Typer) -> None:
    app.command("status")(status)
