"""Intake reconciliation: did every Shopify order reach shopbridge?

The first of the daily agreement checks, and the one the spine can prove today: Shopify's own list of
orders (read through the Admin API, the truth) against the orders shopbridge holds a job for (from a
webhook or a sweep). An order Shopify has and shopbridge does not is a lost event; after a sweep there
must be none. The order-to-ledger, stock, tax and payout checks come with their flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shopbridge.connectors.shopify.pagination import Executor, iterate_connection
from shopbridge.engine import schema
from shopbridge.engine.store import Store
from shopbridge.intake.order_sweep import sweep_query
from shopbridge.intake.webhooks import ORDER_KIND

__all__ = ["IntakeReconciliation", "reconcile_intake"]


@dataclass(frozen=True)
class IntakeReconciliation:
    """The outcome for one shop: which orders each side knows, and the difference."""

    shop: str
    since: datetime
    in_shopify: frozenset[str]
    in_shopbridge: frozenset[str]

    @property
    def missing(self) -> frozenset[str]:
        """Orders Shopify has that shopbridge never received: lost events."""
        return self.in_shopify - self.in_shopbridge

    @property
    def agrees(self) -> bool:
        return not self.missing


def reconcile_intake(store: Store, client: Executor, *, shop: str, since: datetime) -> IntakeReconciliation:
    """Compare the orders Shopify updated since ``since`` with the orders shopbridge has jobs for."""
    return IntakeReconciliation(
        shop=shop,
        since=since,
        in_shopify=frozenset(_shopify_order_numbers(client, since)),
        in_shopbridge=frozenset(_captured_order_numbers(store, shop)),
    )


def _shopify_order_numbers(client: Executor, since: datetime) -> list[str]:
    nodes = iterate_connection(client, "orders_updated_since", {"query": sweep_query(since)}, ("orders",))
    return [str(node["id"]).rsplit("/", 1)[-1] for node in nodes]


def _captured_order_numbers(store: Store, shop: str) -> list[str]:
    prefix = f"order:{shop}:"
    jobs = schema.jobs
    query = (
        sa.select(jobs.c.entity_key)
        .where(jobs.c.kind == ORDER_KIND, jobs.c.entity_key.startswith(prefix, autoescape=True))
        .distinct()
    )
    with store.begin() as conn:
        return [str(key)[len(prefix) :] for key in conn.execute(query).scalars()]
