"""``shopbridge stock explain <sku>`` and ``shopbridge peak on|off``.

``explain`` prints, per store and location, how the available figure was reached: the ERP's free
stock per mapped warehouse (as last read), the units of orders the ERP does not have yet, the buffer
rule that applied, a bundle's components, the figure, and the last value pushed to Shopify.
"""

from __future__ import annotations

from typing import Literal

import typer
from rich.table import Table

from shopbridge import stock_admin
from shopbridge.cli import stock_audit_cmd
from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.domain.stock import StockFigure

__all__ = ["register", "stock_app"]

stock_app = typer.Typer(no_args_is_help=True, help="Available to sell: why Shopify shows a figure.")


@stock_app.command("explain")
def explain(ctx: typer.Context, sku: str = typer.Argument(..., help="the SKU")) -> None:
    """Show, per location, how the SKU's available figure was reached."""
    with open_services(ctx) as services:
        rows = stock_admin.explain(services, services.settings, sku)
        peak = stock_admin.is_peak(services)
    table = Table(title=f"{sku}: available to sell" + (" (peak mode)" if peak else ""))
    for column in ("store", "location", "ERP free", "pending", "buffer rule", "figure", "last pushed"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.shop,
            row.location,
            _free(row.figure, row.warehouses),
            str(row.figure.pending),
            _rule(row.figure),
            str(row.figure.quantity),
            "-" if row.last_pushed is None else str(row.last_pushed),
        )
    console.print(table)
    for row in rows:
        console.print(f"{row.location}: {row.figure.explain()}", highlight=False, soft_wrap=True)
        for part in row.components:
            console.print(f"  {part.sku}: {part.explain()}", highlight=False, soft_wrap=True)


def _free(figure: StockFigure, warehouses: tuple[str, ...]) -> str:
    if figure.bundle is not None:
        return "(bundle)"
    return ", ".join(f"{wh} {figure.free_by_warehouse.get(wh, 0)}" for wh in warehouses)


def _rule(figure: StockFigure) -> str:
    if figure.bundle is not None:
        return f"scarcest {figure.bundle.scarcest}"
    if figure.rule is None:
        return "none"
    return f"{figure.rule.describe()} -> {figure.buffer}"


def peak(
    ctx: typer.Context,
    mode: Literal["on", "off"] = typer.Argument(..., help="on: faster stock sweeps and peak buffers"),
    actor: str | None = typer.Option(None, help="who is asking (default: $USER); audited"),
) -> None:
    """Turn peak mode on or off (kept in the store: every process sees it)."""
    with open_services(ctx) as services:
        queued = stock_admin.set_peak(
            services, services.settings, mode == "on", actor=actor or default_actor()
        )
        interval = (
            services.settings.schedules.erp_stock_peak
            if mode == "on"
            else services.settings.schedules.erp_stock
        )
    console.print(
        f"peak mode {mode}: stock sweeps every {interval} s; {queued} SKU(s) queued for new figures"
    )


def register(app: typer.Typer) -> None:
    stock_audit_cmd.register(stock_app)
    app.add_typer(stock_app, name="stock", help="Stock in Shopify: explain a figure, audit every level.")
    app.command("peak")(peak)
