"""``shopbridge import orders --since D``: historic orders as links, or posted when the ERP lacks them.

By default only orders the ERP already has are linked (read-only for the ERP). ``--post-missing``
puts each order the ERP lacks on the normal order flow, after a confirmation stating the count
(``--yes`` answers it; without a terminal and without ``--yes`` the command refuses). Exit codes:
0 done; 1 orders the ERP lacks were left unposted, or a refusal (its message says why); 2 configuration.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.cli.sweep_cmd import parse_since
from shopbridge.errors import BadInput
from shopbridge.onboarding import order_import
from shopbridge.ports.shopify import OrderHeader, ShopifyOrderHistory

if TYPE_CHECKING:  # the engine is imported when the command runs, not whenever the CLI starts
    from shopbridge.bootstrap import Services
    from shopbridge.engine.store import Store

__all__ = ["import_app"]

import_app = typer.Typer(help="Bring historic Shopify records in.", no_args_is_help=True)

EXIT_LEFT_UNPOSTED = 1


@import_app.callback()
def _import() -> None:
    """Bring historic Shopify records in."""


@import_app.command("orders")
def orders(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="orders created at or after this ISO date or time (UTC)")],
    post_missing: Annotated[
        bool, typer.Option("--post-missing", help="post the orders the ERP lacks through the order flow")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="answer the confirmation of --post-missing")] = False,
    shop: Annotated[
        str, typer.Option(help="only the store with this shops.name", show_default="every store")
    ] = "",
    actor: Annotated[str, typer.Option(help="who is importing; audited", show_default="$USER")] = "",
) -> None:
    """Link the orders created since --since to the ERP orders that carry their names."""
    moment = parse_since(since)
    assert moment is not None  # --since is required
    with open_services(ctx, check_secrets=False) as services:
        names = [shop] if shop else [s.name for s in services.settings.shops]
        if any(services.settings.shop_by_name(name) is None for name in names):
            raise BadInput(f"no store named {shop!r} in the configuration (see [[shops]] name)")
        reports = [_link(services, name, moment) for name in names]
        missing = sum(len(r.missing) for r in reports)
        if post_missing and missing:
            _confirm(missing, yes=yes)
            for report in reports:
                _post(services, report, actor or default_actor())
        for report in reports:
            console.print(_summary(report))
    if not post_missing and missing:
        console.print(f"{missing} order(s) the ERP lacks were not posted: pass --post-missing to post them")
        raise typer.Exit(EXIT_LEFT_UNPOSTED)


def _link(services: Services, shop: str, since: datetime) -> order_import.ImportReport:
    from shopbridge.engine.uow import StoreUnitOfWork

    shopify = services.shopify(shop)
    assert isinstance(shopify, ShopifyOrderHistory)
    headers: list[OrderHeader] = []
    for page in shopify.orders_since(since):
        headers += page
    uow = StoreUnitOfWork(services.store, services.clock)
    settings = services.settings.shop_by_name(shop)
    prefix = settings.order_reference_prefix if settings is not None else ""
    with _progress() as progress:
        task = progress.add_task(f"linking {shop}'s orders", total=len(headers))
        return order_import.link_orders(
            shop,
            headers,
            services.erp,
            uow,
            advance=lambda n: progress.advance(task, n),
            reference_prefix=prefix,
        )


def _confirm(count: int, *, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise BadInput(
            f"--post-missing would post {count} order(s) to the ERP; no terminal to confirm on: "
            "pass --yes to post them"
        )
    if not typer.confirm(f"Post {count} order(s) the ERP lacks through the order flow?", default=False):
        raise BadInput("nothing posted: the confirmation was declined")


def _post(services: Services, report: order_import.ImportReport, actor: str) -> None:
    from shopbridge.engine import audit

    with _progress() as progress:
        task = progress.add_task(f"posting {report.shop}'s missing orders", total=len(report.missing))
        order_import.post_missing(
            report,
            _enqueuer(services.store, report.shop, services.clock.now()),
            advance=lambda n: progress.advance(task, n),
        )
    with services.store.begin() as conn:
        detail = {"posted": [o.name for o in report.missing], "enqueued": report.enqueued}
        audit.record(
            conn,
            actor=actor,
            action="orders.import",
            entity_type="shop",
            entity_id=report.shop,
            detail=detail,
            now=services.clock.now(),
        )


def _enqueuer(store: Store, shop: str, now: datetime) -> Callable[[OrderHeader], bool]:
    """The order job of one version, deduplicated exactly as the sweep's and the webhooks' are."""
    from shopbridge.intake.webhooks import enqueue_order_version, graphql_order_state

    def enqueue(order: OrderHeader) -> bool:
        node = {
            "cancelledAt": order.cancelled_at,
            "displayFinancialStatus": order.financial_status,
            "currentTotalPriceSet": {"shopMoney": {"amount": order.current_total or None}},
        }
        payload = {"topic": "import", "source": "import", "shopify_id": order.shopify_id}
        with store.begin() as conn:
            job = enqueue_order_version(
                conn,
                shop=shop,
                order_id=order.shopify_id,
                updated_at=order.updated_at,
                state=graphql_order_state(node),
                payload=payload,
                now=now,
            )
        return job is not None

    return enqueue


def _progress() -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, console=console, transient=False)


def _summary(report: order_import.ImportReport) -> Table:
    table = Table(title=f"historic orders: {report.shop}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in report.summary().items():
        table.add_row(key, str(value))
    return table
