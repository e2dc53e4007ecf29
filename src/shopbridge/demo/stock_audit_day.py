"""The demo day's last stock step: the full stock audit, then what drift is left.

``audit_stock`` runs the audit (``flows.stock_audit.run_audit``, the same code as
``shopbridge stock audit`` and the daily sweep) against the demo's Shopify sandbox, then counts the
levels where the sandbox still disagrees with the stock snapshots (the last values shopbridge
pushed). That count is read from the sandbox's own state, not from the audit's report, so an audit
that repaired nothing, or repaired wrongly, shows. A snapshot whose level Shopify no longer holds
counts as drift too.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from shopbridge.demo.stack import SHOP_NAME, DemoStack
from shopbridge.engine.schema import stock_snapshots
from shopbridge.engine.uow import StoreUnitOfWork
from shopbridge.flows.stock_audit import run_audit
from shopbridge.sandbox.shopify.state import ShopState

__all__ = ["audit_stock", "drift_between"]


def audit_stock(stack: DemoStack) -> dict[str, Any]:
    """Run the audit for the demo's store; ``{"drift_after_audit": N}`` counted afterwards."""
    services, shopify = stack.services, stack.shopify
    assert services is not None and shopify is not None
    uow = StoreUnitOfWork(services.store, services.clock)
    run_audit(services.shopify(SHOP_NAME), uow, SHOP_NAME, key=str(uuid.uuid4()))
    with services.store.begin() as conn:
        query = sa.select(
            stock_snapshots.c.location_id, stock_snapshots.c.inventory_item_id, stock_snapshots.c.quantity
        ).where(stock_snapshots.c.shop == SHOP_NAME)
        expected = {(str(loc), str(item)): int(qty) for loc, item, qty in conn.execute(query)}
    return {"drift_after_audit": drift_between(shopify.state, expected)}


def drift_between(state: ShopState, expected: dict[tuple[str, str], int]) -> int:
    """How many (location, item) snapshots the sandbox's ``available`` quantity differs from."""
    with state.lock:
        levels = state.inventory_levels
        return sum(
            1
            for (location, item), quantity in expected.items()
            if levels.get((item, location), {}).get("available") != quantity
        )
