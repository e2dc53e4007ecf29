"""``shopbridge sweep orders``: sweep a store's orders now, or back-fill from a date.

Sweeps run on their schedule anyway; this is for the person who knows webhooks were lost (an outage,
a deleted subscription) and does not want to wait, or who installs shopbridge on a trading store and
wants the orders since a given moment brought in.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from shopbridge.cli.common import console, default_actor, open_services
from shopbridge.errors import BadInput
from shopbridge.intake.order_sweep import request_sweep

_SHOPS = typer.Option(None, "--shop", help="store name (repeat; default: every store)")

sweep_app = typer.Typer(no_args_is_help=True, help="Ask for a sweep now (a worker runs it).")


def parse_since(text: str | None) -> datetime | None:
    """An ISO date or time; without a zone it is UTC (the store's times are all UTC)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(
            f"--since {text!r} is not an ISO date or time; use e.g. 2026-11-20 or 2026-11-20T08:00"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@sweep_app.command("orders")
def orders(
    ctx: typer.Context,
    shop: list[str] | None = _SHOPS,
    since: str | None = typer.Option(None, help="back-fill from this ISO date or time (UTC)"),
    actor: str | None = typer.Option(None, help="who is asking (default: $USER); audited"),
) -> None:
    """Enqueue a sweep of orders updated since the watermark, or since --since."""
    moment = parse_since(since)
    with open_services(ctx) as services:
        names = shop or [s.name for s in services.settings.shops]
        unknown = [name for name in names if services.settings.shop_by_name(name) is None]
        if unknown:
            raise BadInput(f"no store named {', '.join(unknown)} in the configuration")
        for name in names:
            job = request_sweep(
                services.store, name, actor=actor or default_actor(), now=services.clock.now(), since=moment
            )
            console.print(
                f"sweep of {name} queued as job {job}" + (f" from {moment.isoformat()}" if moment else "")
            )
