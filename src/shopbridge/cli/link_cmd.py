"""``shopbridge link catalogue``: link Shopify variants to ERP items and report every mismatch.

Exit codes: 0 everything linked; 1 mismatches remain (the report names each); 2 configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from shopbridge.cli.common import console, open_services
from shopbridge.onboarding import catalogue_link

__all__ = ["link_app"]

link_app = typer.Typer(help="Link Shopify records to ERP records.", no_args_is_help=True)

EXIT_MISMATCHES = 1


@link_app.callback()
def _link() -> None:
    """Link records between Shopify and the ERP."""


@link_app.command("catalogue")
def catalogue(
    ctx: typer.Context,
    shop: Annotated[
        str, typer.Option(help="only the store with this shops.name", show_default="every store")
    ] = "",
    barcode: Annotated[
        bool, typer.Option("--barcode", help="match by barcode where the SKU does not")
    ] = False,
    out: Annotated[Path, typer.Option(help="folder for the mismatch reports (CSV and JSON)")] = Path("."),
) -> None:
    """Match every Shopify variant to an ERP item by SKU, write the links, report the mismatches."""
    from shopbridge.engine.uow import StoreUnitOfWork

    unresolved = 0
    with open_services(ctx, check_secrets=False) as services:
        names = [shop] if shop else [s.name for s in services.settings.shops]
        items = catalogue_link.all_erp_items(services.erp)
        uow = StoreUnitOfWork(services.store, services.clock)
        for name in names:
            products = services.shopify(name).catalogue()
            total = sum(len(p.variants) for p in products if not p.gift_card)
            with _progress() as progress:
                task = progress.add_task(f"linking {name}", total=total)
                report = catalogue_link.link_catalogue(
                    name,
                    products,
                    items,
                    uow,
                    by_barcode=barcode,
                    advance=lambda n, task=task: progress.advance(task, n),  # type: ignore[misc]
                )
            csv_path, json_path = catalogue_link.write_reports(report, out)
            console.print(_summary(report))
            console.print(f"mismatch report: {escape(str(csv_path))} and {escape(str(json_path))}")
            unresolved += len(report.mismatches)
    if unresolved:
        raise typer.Exit(EXIT_MISMATCHES)


def _progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, console=console, transient=False)


def _summary(report: catalogue_link.LinkReport) -> Table:
    table = Table(title=f"catalogue links: {report.shop}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in report.summary().items():
        table.add_row(key, str(value))
    return table
