"""``shopbridge demo``: the main job on the embedded default, against the built-in sandboxes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopbridge.cli.common import console, serve_until_stopped

if TYPE_CHECKING:  # the demo pulls in every sandbox: loaded when the command runs, not with the CLI
    from shopbridge.demo.day import DemoDay, DemoReport
    from shopbridge.demo.stack import DemoStack

_PHASE_TEXT = {
    "trade": "Trading a day in the Shopify sandbox",
    "deliver": "Delivering webhooks (some dropped, some duplicated) to the intake",
    "reconcile_webhooks": "Reconciling Shopify's orders with shopbridge (webhooks alone)",
    "sweep": "Sweeping orders updated since the watermark",
    "reconcile_sweep": "Reconciling again after the sweep",
    "release": "Creating the late SKU in the ERP; the items sweep releases its orders",
    "change": "Editing posted orders (before and after the cut-off), cancelling one",
    "redeliver": "Delivering the changes' webhooks, then sweeping again",
    "catalogue": "Gating products the ERP cannot sell, releasing one, finding duplicate SKUs",
    "refund": "Refunding posted orders; refunds become credit notes in {erp}",
    "move_stock": "Moving the ERP's stock; shopbridge pushes only what changed to Shopify",
    "check_erp": "Checking the ERP ({erp})",
    "prices": "Changing a price on the B2B trade list in {erp}; the price lists sweep carries it",
    "audit_stock": "Auditing Shopify's stock against the last values pushed (a bulk read)",
    "payouts": "Posting the day's Shopify Payments payouts to {erp}",
    "reconcile_ledger": "Reconciling the day: Shopify, shopbridge and {erp} checkpoint by checkpoint",
    "despatch": "Despatching in the ERP (a split, a bundle, whole orders); the sweep fulfils them in Shopify",
}


def demo(
    workdir: str = typer.Option("var/demo", help="where the store, config and report go"),
    orders: int = typer.Option(40, min=1, max=2000, help="orders in the trading day"),
    seed: int = typer.Option(2026, help="seed of the simulated day (same seed, same day)"),
    drop_rate: float = typer.Option(0.10, min=0.0, max=1.0, help="share of webhooks Shopify never delivers"),
    duplicate_rate: float = typer.Option(0.10, min=0.0, max=1.0, help="share delivered twice"),
    serve: bool = typer.Option(
        None,
        "--serve/--no-serve",
        help="keep the dashboard up until Ctrl-C (default: on a terminal, not in CI)",
    ),
    port: int = typer.Option(0, min=0, max=65535, help="dashboard port (0: a free one)"),
    erp: str = typer.Option(
        "sage200", help="the ERP to post into: sage200, syspro, prima (sandboxes) or tryton (a real server)"
    ),
) -> None:
    """Run a day of trading through shopbridge on SQLite and the built-in sandboxes, then reconcile."""
    from shopbridge.demo.day import DemoDay, write_report
    from shopbridge.demo.erp_base import ErpUnavailable
    from shopbridge.demo.erps import ERPS
    from shopbridge.demo.stack import DemoOptions, DemoStack

    if erp not in ERPS:
        console.print(f"[red]--erp {erp}: choose one of {', '.join(ERPS)}[/red]")
        raise typer.Exit(2)

    options = DemoOptions(
        workdir=Path(workdir),
        orders=orders,
        seed=seed,
        drop_rate=drop_rate,
        duplicate_rate=duplicate_rate,
        port=port,
        erp=erp,
    )
    keep_serving = _should_serve(serve)
    try:
        stack = DemoStack(options)
    except ErpUnavailable as exc:
        console.print(f"[red]--erp {erp}: {exc}[/red]")
        raise typer.Exit(2) from exc
    with stack:
        if keep_serving:
            _print_sign_in(stack)
        day = DemoDay(stack, options)
        _run_phases(day)
        report = day.report()
        json_path, md_path = write_report(report, options, serving=keep_serving)
        _print(report, json_path, md_path)
        if keep_serving:
            console.print(f"\nDashboard at [bold]{stack.web_url}/[/bold]; Ctrl-C stops.")
            serve_until_stopped()
        else:
            console.print(
                "\nThe dashboard stops with the demo (no terminal, or --no-serve): run "
                "`shopbridge demo --serve` to keep it up and sign in."
            )
    from shopbridge.demo.day import disagreements

    problems = disagreements(report.to_json())
    for line in problems:
        console.print(f"[red]DISAGREE {line}[/red]")
    if problems:
        raise typer.Exit(1)


def _print_sign_in(stack: DemoStack) -> None:
    """The dashboard and its demo admin; the password is shown here once and written nowhere."""
    from shopbridge.demo.stack import DEMO_ADMIN

    console.print(
        f"Dashboard at [bold]{stack.web_url}/[/bold]: sign in as [bold]{DEMO_ADMIN}[/bold] with password "
        f"[bold]{stack.admin_password}[/bold] (shown once)",
        highlight=False,
    )


def _should_serve(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return sys.stdout.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")


def _run_phases(day: DemoDay) -> None:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        overall = progress.add_task("demo", total=len(day.PHASES), visible=False)
        for phase in day.PHASES:
            text = _PHASE_TEXT[phase].format(erp=day.stack.erp.title)
            task = progress.add_task(text, total=1)
            getattr(day, phase)()
            progress.update(task, completed=1)
            progress.advance(overall)


def _print(report: DemoReport, json_path: str, md_path: str) -> None:
    data = report.to_json()
    rec = data["reconciliation"]
    table = Table(title="Reconciliation: Shopify orders vs shopbridge")
    table.add_column("check")
    table.add_column("result", justify="right")
    table.add_row("orders in Shopify", str(rec["orders_in_shopify"]))
    table.add_row("webhooks triggered / dropped / duplicated", _trio(data["webhooks"]))
    table.add_row("missing after webhooks alone", str(len(rec["missing_after_webhooks"])))
    table.add_row("missing after the sweep", str(len(rec["missing_after_sweep"])))
    erp = data["erp"]
    table.add_row(
        f"ERP {data['orders'].get('erp', erp['vendor'])}",
        "reachable" if erp["reachable"] and erp["authenticated"] else "DOWN",
    )
    console.print(table)
    verdict = "[green]AGREE[/green]" if rec["agrees"] else "[red]DISAGREE[/red]"
    console.print(f"Shopify and shopbridge {verdict}. Report: {md_path} (and {json_path})")
    from shopbridge.demo.day import orders_agree, verdict_line

    colour = "green" if orders_agree(data["orders"]) else "red"
    console.print(f"[{colour}]ERP: {verdict_line(data['orders'])}[/{colour}]")
    payouts = data["payouts"]
    colour = "green" if payouts["balanced"] == payouts["paid"] else "red"
    console.print(
        f"[{colour}]Payouts: {payouts['paid']} paid in Shopify, {payouts['posted']} posted,"
        f" {payouts['balanced']} moving the ERP's bank by exactly their net"
        f" (difference {payouts['net_difference']})[/{colour}]"
    )
    _print_closing(data["summary"])


def _print_closing(summary: dict[str, Any]) -> None:
    """The closing summary (``report.json``'s ``summary``): the day in a few lines."""
    from shopbridge.demo.closing import summary_rows

    table = Table(title="Closing summary", box=box.SIMPLE)
    table.add_column("the day")
    table.add_column("figure")
    for what, figure in summary_rows(summary):
        table.add_row(what, figure)
    console.print(table)


def _trio(hooks: dict[str, int]) -> str:
    return f"{hooks['triggered']} / {hooks['dropped']} / {hooks['duplicated']}"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
