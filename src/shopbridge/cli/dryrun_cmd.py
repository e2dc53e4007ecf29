"""``shopbridge dryrun report --from D --to D``: what the dry run would have written over a period,
next to what the retailer's current process did (the daily reconciliation's checkpoints)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge.cli.common import console, open_services
from shopbridge.dryrun.recorder import would_dos_of
from shopbridge.dryrun.report import DryRunReport, dry_run_report
from shopbridge.errors import BadInput

__all__ = ["dryrun_app"]

dryrun_app = typer.Typer(help="Rehearse with a dry run and compare it with today.", no_args_is_help=True)

_SHOWN_ENTITIES = 5


@dryrun_app.callback()
def _dryrun() -> None:
    """Dry-run reports."""


@dryrun_app.command("report")
def report(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (UTC)")],
    end: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD (UTC), included")],
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Count the would-do writes by flow and kind (with their entities), beside the reconciliation."""
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise BadInput(f"--to {last} is before --from {first}")
    with open_services(ctx) as services, services.store.begin() as conn:
        found = dry_run_report(conn, first, last)
    if as_json:
        console.print_json(json.dumps(found.as_dict()))
        return
    _print(found)


@dryrun_app.command("show")
def show(
    ctx: typer.Context,
    key: Annotated[
        str, typer.Argument(help="a Shopify GID, or an ERP reference such as an order name (#1001)")
    ],
) -> None:
    """Every write the dry run would have made for one entity, with its full payload (JSON)."""
    with open_services(ctx) as services, services.store.begin() as conn:
        found = would_dos_of(conn, key)
    if not found:
        raise BadInput(
            f"no would-do is recorded for {key!r} (the dry run wrote nothing for it, or it never ran)"
        )
    rows = [{"at": w.at.isoformat(), **{k: v for k, v in vars(w).items() if k != "at"}} for w in found]
    console.print_json(json.dumps(rows))


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option} {text!r} is not a date; give YYYY-MM-DD") from None


def _print(found: DryRunReport) -> None:
    writes = Table(title=f"would-do writes {found.start} to {found.end}")
    for column in ("flow", "kind", "count", "entities"):
        writes.add_column(column, justify="right" if column == "count" else "left")
    for w in found.writes:
        shown = ", ".join(w.entities[:_SHOWN_ENTITIES])
        more = f" (+{len(w.entities) - _SHOWN_ENTITIES} more)" if len(w.entities) > _SHOWN_ENTITIES else ""
        writes.add_row(w.flow, w.kind, str(w.count), escape(shown + more))
    console.print(writes)
    current = Table(title="the current process (reconciliation checkpoints)")
    for column in ("checkpoint", "days", "checked", "mismatches", "failed days", "dry run would do"):
        current.add_column(column, justify="left" if column == "checkpoint" else "right")
    for c in found.checkpoints:
        row = (c.checkpoint, c.days, c.checked, c.mismatches, c.failed_days, c.would_do)
        current.add_row(*(str(value) for value in row))
    console.print(current)
