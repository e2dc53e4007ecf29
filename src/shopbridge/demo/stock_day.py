"""The demo's stock phase: the ERP's stock moves during the day and shopbridge pushes what changed.

After the orders, a first stock sweep brings Shopify in line with the ERP (every level once); then
the ERP's stock changes for a few SKUs (one a component of the Breakfast Set bundle), the configured
buffer holds units of one SKU back, and a second sweep pushes only what moved. The report's counts
come from the sandboxes, not from shopbridge: the ERP's levels read before and after, Shopify's
inventory adjustment groups made during the sweep, and the query cost Shopify charged (the
``extensions.cost`` of each answer).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import SageErp, _LeverErp
from shopbridge.demo.stack import SHOP_NAME, DemoStack
from shopbridge.flows import stock_to_shopify
from shopbridge.ports.erp import ErpPort

__all__ = ["CHANGES", "run_stock_day"]

# The day's stock movements in the ERP: SKU -> new free stock (MUG-01 is in the Breakfast Set).
CHANGES = {"TEE-S": Decimal(7), "TEE-L": Decimal(250), "MUG-01": Decimal(3)}


def run_stock_day(stack: DemoStack) -> dict[str, Any]:
    """Sweep once to align, move the ERP's stock, sweep again; the second sweep's counts."""
    services = stack.services
    assert services is not None and stack.shopify is not None
    _sweep(stack)
    before_erp = _erp_levels(services.erp)
    for sku, free in sorted(CHANGES.items()):
        set_erp_stock(stack.erp, sku, free)
    client = services.shopify(SHOP_NAME)
    state = stack.shopify.state
    with state.lock:
        groups_before = set(state.adjustment_groups)
    cost_before = client.stats.cost_actual
    _sweep(stack)
    with state.lock:
        made = [g for gid, g in state.adjustment_groups.items() if gid not in groups_before]
    after_erp = _erp_levels(services.erp)
    # Shopify announces each level set (inventory_levels/update): delivered before the report counts.
    stack.emitter().flush(timeout=60)
    stack.wait_until_idle()
    return {
        "erp_changes": sum(1 for key, free in after_erp.items() if before_erp.get(key) != free),
        "levels_pushed": sum(1 for g in made for c in g["changes"] if c["name"] == "available"),
        "mutations": len(made),
        "cost_points": round(client.stats.cost_actual - cost_before),
    }


def _sweep(stack: DemoStack) -> None:
    services = stack.services
    assert services is not None
    stock_to_shopify.sweep(services.flow_context(SHOP_NAME), key=str(uuid.uuid4()))


def _erp_levels(erp: ErpPort) -> dict[tuple[str, str], Decimal]:
    levels: dict[tuple[str, str], Decimal] = {}
    cursor = None
    while True:
        page = erp.stock_changed(cursor, limit=500)
        levels.update({(level.sku, level.warehouse): level.free for level in page.items})
        cursor = page.next_cursor or cursor
        if not page.has_more:
            return levels


def set_erp_stock(erp: DemoErp, sku: str, free: Decimal) -> None:
    """What a storeman does in each ERP: a stock count of ``free`` units in the demo's warehouse."""
    if isinstance(erp, SageErp):
        erp.sandbox.set_stock(sku, erp.warehouse, free)
    elif isinstance(erp, _LeverErp):
        erp.sandbox.levers.apply("set_stock", {"sku": sku, "warehouse": erp.warehouse, "free": str(free)})
    else:
        count = getattr(erp, "count_stock", None)
        if count is None:
            raise NotImplementedError(f"the demo cannot count stock in {erp.title}")
        count(sku, free)
