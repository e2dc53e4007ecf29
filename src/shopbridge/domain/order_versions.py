"""An order's version: which change of a Shopify order a webhook, a sweep or a write-back speaks of.

Every order topic (create, paid, updated, edited, cancelled) and the order sweep name the order as it
was at one ``updatedAt``. shopbridge enqueues one order job per version, so five webhooks and a sweep
of one unchanged order cost one read. ``updatedAt`` has whole seconds, so two changes in one second
(a cancel right after the create) share it; the order's state (cancelled or open, payment, current
total) tells them apart.

The order flow's own write-back (the ``ERP:`` tag) is a change too: Shopify bumps ``updatedAt`` and
sends ``orders/updated``. The flow records the version its write produced, so that webhook finds the
version known and costs no job and no read of an order nothing else changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = ["OrderVersion", "graphql_order_state", "normalise_time", "order_state", "rest_order_state"]


@dataclass(frozen=True)
class OrderVersion:
    """One version of one order: its numeric id, ``updatedAt`` (to the second, UTC) and state."""

    order_id: str
    updated_at: str
    state: str

    @classmethod
    def of(cls, order_id: str, updated_at: Any, state: str) -> OrderVersion:
        """From an id (numeric or GID) and any ISO time, normalised so both APIs' spellings agree."""
        return cls(str(order_id).rsplit("/", 1)[-1], normalise_time(str(updated_at)), state)

    @property
    def key(self) -> str:
        """``<id>@<updatedAt>#<state>``: the version's key in the store's event inbox."""
        return f"{self.order_id}@{self.updated_at}#{self.state}"


def order_state(cancelled_at: Any, financial_status: Any, current_total: Any) -> str:
    """The state part of a version, spelled alike from a webhook body (REST) and a GraphQL node."""
    try:
        total = (
            format(Decimal(str(current_total)).normalize(), "f") if current_total not in (None, "") else ""
        )
    except ArithmeticError:
        total = str(current_total)
    return f"{'cancelled' if cancelled_at else 'open'}:{str(financial_status or '').lower()}:{total}"


def rest_order_state(body: Mapping[str, Any]) -> str:
    """The state from a webhook body (REST): cancelled, payment, current total."""
    return order_state(
        body.get("cancelled_at"), body.get("financial_status"), body.get("current_total_price")
    )


def graphql_order_state(node: Mapping[str, Any]) -> str:
    """The same state from a GraphQL order node, spelled identically for the same order version."""
    total = ((node.get("currentTotalPriceSet") or {}).get("shopMoney") or {}).get("amount")
    return order_state(node.get("cancelledAt"), node.get("displayFinancialStatus"), total)


def normalise_time(value: str) -> str:
    """An ISO time as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (a REST ``-05:00`` stamp and a GraphQL ``Z``
    stamp of one instant agree); a value that is not a zoned ISO time is kept as it is."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        return value
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
