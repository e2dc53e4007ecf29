"""Pushing available-to-sell figures to Shopify: only what changed, 250 per call, compare-and-swap.

``changeFromQuantity`` is the last value shopbridge knows Shopify holds (the stock snapshot). When
someone else moved the level since (a person in the admin, another app), Shopify refuses the call as
``CHANGE_FROM_QUANTITY_STALE``; we re-read the level, apply the ownership rule (the ERP owns
available stock, so our figure stands, now compared with the fresh value), log the conflict on the
SKU's trail and resend. Nothing is overwritten without having been seen first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from shopbridge.domain.stock import StockItem
from shopbridge.errors import RetryLater
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.shopify import LevelWrite, ShopifyInventoryPort

__all__ = ["PushResult", "push_location"]

BATCH = 250  # Shopify's cap on quantities per inventorySetQuantities
STALE_ROUNDS = 3  # re-read and resend this often before the job retries later


@dataclass
class PushResult:
    levels: int = 0
    mutations: int = 0
    activated: int = 0
    conflicts: int = 0


def push_location(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    location: str,
    figures: Mapping[str, int],
    items: Mapping[str, StockItem],
    *,
    key: str,
) -> PushResult:
    """Push the figures (SKU -> quantity) that differ from what Shopify holds at one location."""
    result = PushResult()
    known = {sku: items[sku] for sku in figures if sku in items}
    held = _held_quantities(ctx, shopify, location, known, result)
    writes = [
        LevelWrite(item.inventory_item_id, location, figures[sku], held[item.inventory_item_id])
        for sku, item in sorted(known.items())
        if held[item.inventory_item_id] != figures[sku]
    ]
    skus = {item.inventory_item_id: sku for sku, item in known.items()}
    for number, start in enumerate(range(0, len(writes), BATCH)):
        _send(ctx, shopify, writes[start : start + BATCH], skus, f"{key}:{location}:{number}", result)
    return result


def _held_quantities(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    location: str,
    items: Mapping[str, StockItem],
    result: PushResult,
) -> dict[str, int]:
    """What Shopify holds per item: the snapshot; where there is none, read it (and activate if needed)."""
    ids = [item.inventory_item_id for item in items.values()]
    skus = {item.inventory_item_id: sku for sku, item in items.items()}
    with ctx.uow.begin() as tx:
        held = tx.last_pushed(ctx.shop.name, location, ids)
        stocked = tx.activated(ctx.shop.name, location, ids)
    unknown = [item_id for item_id in ids if item_id not in held or item_id not in stocked]
    fresh = shopify.available_levels(unknown, location) if unknown else {}
    for item_id in unknown:
        quantity = fresh.get(item_id)
        if quantity is None:
            # Not stocked here (Shopify stocks a new item only at the default location): activate once.
            quantity = shopify.activate_inventory(item_id, location)
            result.activated += 1
        held[item_id] = quantity
        with ctx.uow.begin() as tx:
            tx.mark_activated(ctx.shop.name, location, item_id)
            tx.record_pushed(ctx.shop.name, location, item_id, skus[item_id], quantity)
    return held


def _send(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    batch: Sequence[LevelWrite],
    skus: Mapping[str, str],
    key: str,
    result: PushResult,
) -> None:
    """One batch, resent with fresh compare values while Shopify finds some stale."""
    for attempt in range(STALE_ROUNDS):
        stale = shopify.set_available(batch, key=f"{key}:{attempt}")
        result.mutations += 1
        if not stale:
            _record(ctx, batch, skus)
            result.levels += len(batch)
            return
        batch = _refresh(ctx, shopify, batch, stale, skus, result)
    raise RetryLater(
        f"Shopify's stock kept moving at {batch[0].location_id}; the sweep retries", retry_after=5.0
    )


def _refresh(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    batch: Sequence[LevelWrite],
    stale: Sequence[LevelWrite],
    skus: Mapping[str, str],
    result: PushResult,
) -> list[LevelWrite]:
    """Re-read the stale levels; the ERP owns available stock, so our figure stands: log and resend."""
    location = stale[0].location_id
    found = shopify.available_levels([w.inventory_item_id for w in stale], location)
    fixed: dict[str, LevelWrite] = {}
    with ctx.uow.begin() as tx:
        for write in stale:
            now_held = found.get(write.inventory_item_id) or 0
            fixed[write.inventory_item_id] = replace(write, expected=now_held)
            sku = skus[write.inventory_item_id]
            tx.add_trail(
                ctx.shop.name,
                f"sku:{sku}",
                "stock_conflict",
                {
                    "location": location,
                    "expected": write.expected,
                    "found": now_held,
                    "pushed": write.quantity,
                    "rule": "the ERP owns available stock: shopbridge's figure replaces Shopify's",
                },
            )
            result.conflicts += 1
    return [fixed.get(w.inventory_item_id, w) for w in batch]


def _record(ctx: FlowContext, batch: Sequence[LevelWrite], skus: Mapping[str, str]) -> None:
    with ctx.uow.begin() as tx:
        for write in batch:
            sku = skus[write.inventory_item_id]
            tx.record_pushed(ctx.shop.name, write.location_id, write.inventory_item_id, sku, write.quantity)
