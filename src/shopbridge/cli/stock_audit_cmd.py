"""``shopbridge stock audit``: the full stock audit now, with a progress bar.

It runs here, not on a worker, so the person who asked watches it: the bulk read in Shopify (objects
read so far), then the comparison with the stock snapshots, then a summary per store. The daily run
(``[schedules] stock_audit``) does the same on a worker. A read that Shopify cancelled or failed
ends the command with one red line and exit code 1 (nothing was repaired; run it again).

``register(group)`` adds ``audit`` to the ``stock`` group of ``cli/stock_cmd.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopbridge.cli.common import console, open_services
from shopbridge.domain.stock_audit import AuditReport
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.errors import BadInput
from shopbridge.flows.stock_audit import AuditProgress, run_audit

__all__ = ["audit", "register"]

_SHOPS = typer.Option(None, "--shop", help="store name (repeat; default: every store)")


def audit(
    ctx: typer.Context,
    shop: list[str] | None = _SHOPS,
    worst: int = typer.Option(10, min=1, help="how many of the largest drifts to list"),
) -> None:
    """Read every inventory level from Shopify, repair drift from the last pushed values, report it."""
    with open_services(ctx, check_secrets=True) as services:
        names = shop or [s.name for s in services.settings.shops]
        unknown = [name for name in names if services.settings.shop_by_name(name) is None]
        if unknown:
            raise BadInput(f"no store named {', '.join(unknown)} in the configuration")
        for name in names:
            uow = StoreUnitOfWork(services.store, services.clock)
            with _progress(name) as watch:
                report = run_audit(
                    services.shopify(name), uow, name, key=str(uuid.uuid4()), progress=watch, worst=worst
                )
            _print(report)


@contextmanager
def _progress(shop: str) -> Iterator[AuditProgress]:
    """A Rich progress bar: the bulk read (no total until it ends), then the comparison."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        reading = bar.add_task(f"{shop}: reading levels in Shopify", total=None)
        comparing: list[TaskID] = []
        levels = [0]

        def read_total(total: int) -> None:
            bar.update(reading, completed=total, total=total)
            comparing.append(bar.add_task(f"{shop}: comparing with snapshots", total=total))

        def compared(done: int) -> None:
            levels[0] = done
            if comparing:
                bar.update(comparing[0], completed=done)

        yield AuditProgress(
            reading=lambda n: bar.update(reading, completed=n), read_total=read_total, compared=compared
        )
        if comparing:  # the read's objects count item lines too: end the bar full at the levels
            bar.update(comparing[0], total=max(levels[0], 1), completed=levels[0])


def _print(report: AuditReport) -> None:
    console.print(
        f"{report.shop}: {report.levels_read} levels read, {report.compared} compared, "
        f"{report.drift_count} drifted, {report.repaired} repaired, "
        f"{report.moved_meanwhile} changed again meanwhile"
    )
    if not report.worst:
        return
    table = Table("SKU", "location", "Shopify", "expected", "difference", title="largest drift")
    for drift in report.worst:
        table.add_row(
            drift.sku or drift.inventory_item_id,
            drift.location_id,
            str(drift.shopify),
            str(drift.expected),
            f"{drift.difference:+d}",
        )
    console.print(table)


def register(group: typer.Typer) -> None:
    group.command("audit")(audit)
