"""``shopbridge orders show <name|id|erp number>``: one order's whole story on both sides."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge import admin
from shopbridge.cli.common import console, open_services
from shopbridge.cli.render import when
from shopbridge.engine.trail import OrderStory

__all__ = ["orders_app"]

orders_app = typer.Typer(help="Follow one order from Shopify to the ERP.", no_args_is_help=True)


@orders_app.command("show")
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Shopify name (#1001), Shopify id, or ERP order number"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Both sides' references, every step, job and attempt, and every problem of one order."""
    with open_services(ctx) as services:
        story = admin.order_story(services, key)
    if as_json:
        typer.echo(json.dumps(story_json(story), indent=2, default=str))
        return
    sync = story.sync
    console.print(
        f"[bold]{escape(sync.name)}[/bold]  Shopify {sync.order_id}  ERP {sync.erp_number or '-'}"
        f"  status [bold]{sync.status.value}[/bold]"
        + (f"  waiting for {', '.join(sync.missing_skus)}" if sync.missing_skus else ""),
        highlight=False,
    )
    console.print(_steps(story))
    console.print(_jobs(story))
    for problem in story.problems:
        console.print(
            escape(
                f"problem {problem.id} [{problem.status.value}] {problem.kind.value} ({problem.team.value}): "
                f"{problem.message}"
            ),
            highlight=False,
        )


def story_json(story: OrderStory) -> dict[str, Any]:
    sync = story.sync
    return {
        "name": sync.name,
        "shopify_id": sync.order_id,
        "erp_number": sync.erp_number,
        "erp_id": sync.erp_id,
        "status": sync.status.value,
        "missing_skus": list(sync.missing_skus),
        "trail": [{"at": s.at.isoformat(), "step": s.step, "detail": s.detail} for s in story.steps],
        "jobs": [admin.job_json(job) for job in story.jobs],
        "problems": [admin.problem_json(problem) for problem in story.problems],
    }


def _steps(story: OrderStory) -> Table:
    table = Table(title="trail", title_justify="left")
    for column in ("at", "step", "detail"):
        table.add_column(column)
    for step in story.steps:
        table.add_row(when(step.at), step.step, escape(json.dumps(step.detail, default=str)))
    return table


def _jobs(story: OrderStory) -> Table:
    table = Table(title="jobs", title_justify="left")
    for column in ("id", "state", "attempts", "topic", "last error"):
        table.add_column(column)
    for job in story.jobs:
        table.add_row(
            str(job.id),
            job.state.value,
            str(job.attempts),
            str(job.payload.get("topic", "")),
            escape(job.last_error[:120]),
        )
    return table
