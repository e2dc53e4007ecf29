"""Every page module's routes, in one list for ``create_app`` (a new page adds one line here)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from shopbridge.web.pages import (
    golive,
    inbox,
    overview,
    payouts,
    reconciliation,
    runbooks,
    stock,
    trail,
    users,
)

__all__ = ["routes"]


def routes() -> list[BaseRoute]:
    return [
        *overview.routes(),
        *inbox.routes(),
        *trail.routes(),
        *stock.routes(),
        *payouts.routes(),
        *runbooks.routes(),
        *reconciliation.routes(),
        *users.routes(),
        *golive.routes(),
    ]
