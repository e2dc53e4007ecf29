"""``shopbridge reconcile --date D``: the daily reconciliation on demand, and the go-live gate.

It runs here, not on a worker, so the person who asked sees the verdicts: one line per checkpoint,
the mismatches under it, then the trend's gate ("parity confirmed" once ``[reconcile] parity_days``
consecutive days passed). ``--json`` prints the whole report; ``--csv PATH`` writes it as CSV.
``--stored`` shows the day as the last run kept it, without reading Shopify or the ERP again.
Exit code 1 when a checkpoint failed or could not be checked (a script can gate on it).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer
from rich.table import Table

from shopbridge.bootstrap import Services
from shopbridge.cli.common import console, open_services
from shopbridge.domain.reconciliation import DayReport, csv_text
from shopbridge.engine import reconcile_reports
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import BadInput
from shopbridge.flows.daily_reconciliation import Parity, parity, reconcile_day

__all__ = ["reconcile", "register"]

_CSV = typer.Option(None, "--csv", help="also write the report as CSV to this file")
_COLOURS = {"pass": "green", "fail": "red", "not_checkable": "yellow"}


def reconcile(
    ctx: typer.Context,
    day: str = typer.Option("", "--date", help="the day to reconcile, YYYY-MM-DD (default: yesterday, UTC)"),
    shop: str = typer.Option("", "--shop", help="store name (default: the first store)"),
    as_json: bool = typer.Option(False, "--json", help="print the report as JSON"),
    csv_path: Path | None = _CSV,
    stored: bool = typer.Option(False, "--stored", help="show the kept report; do not run it again"),
) -> None:
    """Check that Shopify, shopbridge and the ERP agree on one day; keep and show the report."""
    wanted = _day(day)
    with open_services(ctx, check_secrets=not stored) as services:
        name = shop or (services.settings.shops[0].name if services.settings.shops else "")
        if services.settings.shop_by_name(name) is None:
            raise BadInput(f"no store named {name!r} in the configuration")
        report, csv_body = _report(services, name, wanted, stored=stored)
        gate = parity(StoreUnitOfWork(services.store, services.clock), name, _needed(services))
    if csv_path is not None:
        csv_path.write_text(csv_body, encoding="utf-8")
    if as_json:
        console.print_json(json.dumps({**report, "parity": _gate_dict(gate)}))
    else:
        _print(report, gate)
    if not report["passed"]:
        raise typer.Exit(1)


def _day(text: str) -> date:
    if not text:
        return datetime.now(UTC).date() - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(f"--date wants YYYY-MM-DD, got {text!r}") from exc


def _needed(services: Services) -> int:
    return services.settings.reconcile.parity_days


def _report(services: Services, shop: str, day: date, *, stored: bool) -> tuple[dict[str, object], str]:
    if stored:
        with services.store.begin() as conn:
            kept = reconcile_reports.find_report(conn, shop, day.isoformat())
        if kept is None:
            raise BadInput(
                f"no reconciliation of {shop} is kept for {day.isoformat()}: run it without --stored"
            )
        return kept.report, kept.csv
    ran: DayReport = reconcile_day(services.flow_context(shop), day)
    return ran.as_dict(), csv_text(ran)


def _gate_dict(gate: Parity) -> dict[str, object]:
    return {
        "confirmed": gate.confirmed,
        "needed": gate.needed,
        "streak": gate.streak,
        "days": [{"day": d.day, "passed": d.passed} for d in gate.days],
    }


def _print(report: dict[str, object], gate: Parity) -> None:
    table = Table(title=f"Reconciliation of {report['shop']} on {report['day']}")
    for column in ("checkpoint", "verdict", "checked", "mismatches"):
        table.add_column(column)
    checkpoints = report["checkpoints"]
    assert isinstance(checkpoints, dict)
    for name, result in checkpoints.items():
        verdict = str(result["verdict"])
        lines = [str(m["message"]) for m in result["mismatches"]] or (
            [str(result["note"])] if result["note"] else []
        )
        colour = _COLOURS.get(verdict, "white")
        table.add_row(name, f"[{colour}]{verdict}[/{colour}]", str(result["checked"]), "\n".join(lines))
    console.print(table)
    if gate.confirmed:
        console.print(f"[green]parity confirmed[/green]: the last {gate.needed} days passed")
    else:
        console.print(f"parity not confirmed yet: {gate.streak} of {gate.needed} consecutive passing days")


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile)
