"""``shopbridge payouts list`` and ``payouts show <id> [--csv PATH] [--journal PATH]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shopbridge import payout_report
from shopbridge.cli.common import console, open_services
from shopbridge.cli.render import when
from shopbridge.domain.payout_state import PayoutRecord

__all__ = ["payouts_app"]

payouts_app = typer.Typer(help="Shopify Payments payouts in the ledger.", no_args_is_help=True)


@payouts_app.command("list")
def list_(
    ctx: typer.Context,
    shop: str = typer.Option("", "--shop", help="only this shop"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Every payout shopbridge has settled: posted, unbalanced, exported or changed."""
    with open_services(ctx) as services:
        records = payout_report.list_payouts(services, shop=shop)
    if as_json:
        typer.echo(json.dumps([payout_report.payout_json(r) for r in records], indent=2))
        return
    table = Table(title="payouts", title_justify="left")
    for column in ("payout", "issued", "status", "net", "outcome", "ERP", "unknown types"):
        table.add_column(column)
    for r in records:
        number = r.payout_id.rsplit("/", 1)[-1]
        row = (number, when(r.issued_at), r.status, f"{r.net} {r.currency}", r.outcome.value)
        table.add_row(*row, r.erp_reference or "-", ", ".join(r.unknown_types) or "-")
    console.print(table)


@payouts_app.command("show")
def show(
    ctx: typer.Context,
    payout_id: str = typer.Argument(..., help="the Shopify payout id (numeric or GID)"),
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="write the detail report to this CSV")
    ] = None,
    journal_path: Annotated[
        Path | None, typer.Option("--journal", help="write the summary journal as an import CSV")
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One payout: its summary's outcome and every transaction behind it, with order and ERP order."""
    with open_services(ctx) as services:
        record = payout_report.payout_detail(services, payout_id)
    if csv_path is not None:
        csv_path.write_text(payout_report.detail_report_csv(record), encoding="utf-8")
    if journal_path is not None:
        journal_path.write_text(record.journal_csv, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(payout_report.payout_json(record, detail=True), indent=2))
        return
    _print(record)


def _print(record: PayoutRecord) -> None:
    console.print(
        escape(
            f"payout {record.payout_id}  {record.status}  net {record.net} {record.currency}  "
            f"{record.outcome.value}  ERP {record.erp_reference or '-'}"
            + (f"  difference {record.difference}" if record.difference else "")
        ),
        highlight=False,
    )
    table = Table(title="transactions", title_justify="left")
    for column in ("transaction", "type", "category", "amount", "fee", "net", "order", "ERP order"):
        table.add_column(column)
    for row in record.detail:
        number = row.transaction_id.rsplit("/", 1)[-1]
        money = (str(row.amount), str(row.fee), str(row.net))
        table.add_row(number, row.type, row.category, *money, row.order_name or "-", row.erp_order or "-")
    console.print(table)
