"""Pushing available-to-sell figures to Shopify: only what changed, 250 per call, compare-and-swap.

``changeFromQuantity`` is the last value shopbridge knows Shopify holds (the stock snapshot). When
someone else moved the level since (a person in the admin, another app), Shopify refuses the call as
``CHANGE_FROM_QUANTITY_STALE``; we re-read the level, apply the ownership rule (the ERP owns
available stock, so our figure stands, now compared with the fresh value; a level found *lower*
keeps Shopify's sales, see :func:`after_conflict`), log the conflict on the SKU's trail and resend.
Nothing is overwritten without having been seen first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from shopbridge.domain.stock import StockItem
from shopbridge.errors import RetryLater
from shopbridge.flows.spec import FlowContext
from shopbridge.ports.shopify import LevelWrite, ShopifyInventoryPort

__all__ = ["PushResult", "after_conflict", "push"]

BATCH = 250  # Shopify's cap on quantities per inventorySetQuantities
STALE_ROUNDS = 3  # re-read and resend this often before the job retries later


@dataclass
class PushResult:
    levels: int = 0
    mutations: int = 0
    activated: int = 0
    conflicts: int = 0


def push(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    figures: Mapping[tuple[str, str], int],
    items: Mapping[str, StockItem],
    *,
    key: str,
) -> PushResult:
    """Push the figures ((SKU, location) -> quantity) that differ from what Shopify holds.

    One call carries up to 250 quantities whatever their locations, so n changes take ceil(n / 250)
    calls (plus a resend for each batch Shopify finds stale).
    """
    result = PushResult()
    writes: list[LevelWrite] = []
    skus: dict[str, str] = {}
    for location in sorted({loc for _sku, loc in figures}):
        at = {sku: q for (sku, loc), q in figures.items() if loc == location and sku in items}
        known = {sku: items[sku] for sku in at}
        held = _held_quantities(ctx, shopify, location, known, result)
        skus.update({item.inventory_item_id: sku for sku, item in known.items()})
        writes += [
            LevelWrite(item.inventory_item_id, location, at[sku], held[item.inventory_item_id])
            for sku, item in sorted(known.items())
            if held[item.inventory_item_id] != at[sku]
        ]
    for number, start in enumerate(range(0, len(writes), BATCH)):
        _send(ctx, shopify, writes[start : start + BATCH], skus, f"{key}:{number}", result)
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
        if not batch:
            return
        stale = shopify.set_available(batch, key=f"{key}:{attempt}")
        result.mutations += 1
        if not stale:
            _record(ctx, batch, skus)
            result.levels += len(batch)
            return
        batch = _refresh(ctx, shopify, batch, stale, skus, result)
    raise RetryLater("Shopify's stock kept moving under this push; the sweep retries", retry_after=5.0)


def _refresh(
    ctx: FlowContext,
    shopify: ShopifyInventoryPort,
    batch: Sequence[LevelWrite],
    stale: Sequence[LevelWrite],
    skus: Mapping[str, str],
    result: PushResult,
) -> list[LevelWrite]:
    """Re-read the stale levels and resend what :func:`after_conflict` says, logging the conflict.

    A level that already holds that figure (another sweep got there first, or Shopify's own sales
    took it there) is recorded, not resent.
    """
    found = _read_levels(shopify, stale)
    fixed: dict[tuple[str, str], LevelWrite | None] = {}
    with ctx.uow.begin() as tx:
        for write in stale:
            now_held = found.get((write.inventory_item_id, write.location_id)) or 0
            where = (write.inventory_item_id, write.location_id)
            sku = skus[write.inventory_item_id]
            quantity = after_conflict(write, now_held)
            if now_held == quantity:
                tx.record_pushed(ctx.shop.name, write.location_id, write.inventory_item_id, sku, now_held)
                fixed[where] = None
                continue
            fixed[where] = replace(write, quantity=quantity, expected=now_held)
            tx.add_trail(ctx.shop.name, f"sku:{sku}", "stock_conflict", _conflict(write, now_held, quantity))
            result.conflicts += 1
    kept = [fixed.get((w.inventory_item_id, w.location_id), w) for w in batch]
    return [w for w in kept if w is not None]


def _read_levels(
    shopify: ShopifyInventoryPort, writes: Sequence[LevelWrite]
) -> dict[tuple[str, str], int | None]:
    found: dict[tuple[str, str], int | None] = {}
    for location in sorted({w.location_id for w in writes}):
        ids = [w.inventory_item_id for w in writes if w.location_id == location]
        found.update({(item, location): q for item, q in shopify.available_levels(ids, location).items()})
    return found


def after_conflict(write: LevelWrite, found: int) -> int:
    """Our figure for a level found at ``found`` where we expected ``write.expected``.

    Found higher: someone else raised it, and the ERP owns available stock, so our figure stands.
    Found lower: Shopify sold units since our last push (or someone lowered it), and our figure may
    not count those orders yet (their webhooks still on the way): Shopify's level stands, plus only
    what our figure gained since that push (the ERP's new stock). Counting a sale twice holds a unit
    back until the next sweep; not counting it sells it twice.
    """
    if found >= write.expected:
        return write.quantity
    return min(write.quantity, found + max(0, write.quantity - write.expected))


def _conflict(write: LevelWrite, found: int, pushed: int) -> dict[str, object]:
    """What the SKU's trail says of a level someone else moved."""
    lower = found < write.expected
    return {
        "location": write.location_id,
        "expected": write.expected,
        "found": found,
        "pushed": pushed,
        "rule": "Shopify's lower level stands (sales shopbridge may not have counted yet), plus what the"
        " ERP gained since the last push"
        if lower
        else "the ERP owns available stock: shopbridge's figure replaces Shopify's",
    }


def _record(ctx: FlowContext, batch: Sequence[LevelWrite], skus: Mapping[str, str]) -> None:
    with ctx.uow.begin() as tx:
        for write in batch:
            sku = skus[write.inventory_item_id]
            tx.record_pushed(ctx.shop.name, write.location_id, write.inventory_item_id, sku, write.quantity)
