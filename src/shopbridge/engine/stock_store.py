"""The stock flow's rows: the ERP's kept free stock, pending order units, Shopify's stock items and
the levels activated. The unit of work (``engine/uow.py``) delegates its stock methods here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from shopbridge.domain.order_sync import SyncStatus
from shopbridge.domain.stock import PendingLine, StockItem
from shopbridge.engine import links, snapshots
from shopbridge.engine.schema import (
    JobState,
    erp_stock_levels,
    jobs,
    order_syncs,
    pending_order_units,
    stock_items,
    stock_snapshots,
)
from shopbridge.engine.schema import links as links_table
from shopbridge.engine.sql import upsert_insert

__all__ = [
    "activated_levels",
    "erp_free",
    "keep_erp_levels",
    "last_pushed",
    "mark_activated",
    "orders_not_in_erp",
    "orders_received",
    "pending_lines",
    "pushed_quantities",
    "replace_pending",
    "save_stock_items",
    "stored_stock_items",
]

CHUNK = 500  # ids per IN (...): SQLite caps the bound variables of one statement
ACTIVATED = "inventory_level"  # links entity: an inventory item stocked at a location by shopbridge
NOT_IN_ERP = (SyncStatus.WAITING.value, SyncStatus.QUARANTINED.value)
ACTIVE_JOB_STATES = (JobState.PENDING.value, JobState.RUNNING.value)


def erp_free(conn: sa.Connection, skus: Iterable[str] | None = None) -> dict[tuple[str, str], Decimal]:
    """The kept free stock per (SKU, warehouse); every row when ``skus`` is None."""
    query = sa.select(erp_stock_levels.c.sku, erp_stock_levels.c.warehouse, erp_stock_levels.c.free)
    found: dict[tuple[str, str], Decimal] = {}
    for part in _parts(skus):
        chosen = query if part is None else query.where(erp_stock_levels.c.sku.in_(part))
        found.update({(row.sku, row.warehouse): Decimal(row.free) for row in conn.execute(chosen)})
    return found


def keep_erp_levels(conn: sa.Connection, levels: Mapping[tuple[str, str], Decimal], *, now: datetime) -> None:
    for (sku, warehouse), free in levels.items():
        stmt = upsert_insert(conn, erp_stock_levels).values(
            sku=sku, warehouse=warehouse, free=str(free), seen_at=now
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[erp_stock_levels.c.sku, erp_stock_levels.c.warehouse],
                set_={"free": str(free), "seen_at": now},
            )
        )


def orders_not_in_erp(conn: sa.Connection, shop: str) -> list[str]:
    """Orders Shopify took that the ERP does not hold yet (waiting or quarantined)."""
    query = sa.select(order_syncs.c.order_id).where(
        order_syncs.c.shop == shop, order_syncs.c.status.in_(NOT_IN_ERP)
    )
    return [str(order_id) for order_id in conn.execute(query).scalars()]


def orders_received(conn: sa.Connection, shop: str, kind: str) -> list[str]:
    """Orders whose job (``kind``) is queued or running and that have no order sync yet.

    At a peak the queue runs behind: Shopify took these (and counted them off its level), but until
    their job runs they are neither waiting nor in the ERP. A sweep that left them out would push
    their units back on sale.
    """
    query = sa.select(jobs.c.payload).where(
        jobs.c.shop == shop, jobs.c.kind == kind, jobs.c.state.in_(ACTIVE_JOB_STATES)
    )
    ids = sorted({str(p["order_id"]) for p in conn.execute(query).scalars() if p.get("order_id")})
    recorded: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = sa.select(order_syncs.c.order_id).where(
            order_syncs.c.shop == shop, order_syncs.c.order_id.in_(chunk)
        )
        recorded.update(str(order_id) for order_id in conn.execute(found).scalars())
    return [order_id for order_id in ids if order_id not in recorded]


def pending_lines(conn: sa.Connection, shop: str) -> dict[str, list[PendingLine]]:
    """The stored pending units, per order."""
    found: dict[str, list[PendingLine]] = {}
    query = sa.select(pending_order_units).where(pending_order_units.c.shop == shop)
    for row in conn.execute(query):
        found.setdefault(row.order_id, []).append(PendingLine(row.sku, row.location_id, int(row.quantity)))
    return found


def replace_pending(
    conn: sa.Connection, shop: str, lines: Mapping[str, Sequence[PendingLine]], keep: Iterable[str]
) -> None:
    """Store the lines of newly seen orders and drop the orders no longer pending (not in ``keep``)."""
    kept = set(keep)
    stored = conn.execute(
        sa.select(pending_order_units.c.order_id).where(pending_order_units.c.shop == shop).distinct()
    ).scalars()
    gone = [order_id for order_id in stored if order_id not in kept]
    if gone:
        conn.execute(
            pending_order_units.delete().where(
                pending_order_units.c.shop == shop, pending_order_units.c.order_id.in_(gone)
            )
        )
    for order_id, order_lines in lines.items():
        merged: dict[tuple[str, str], int] = {}
        for line in order_lines:
            merged[(line.sku, line.location)] = merged.get((line.sku, line.location), 0) + line.quantity
        for (sku, location), quantity in merged.items():
            conn.execute(
                pending_order_units.insert().values(
                    shop=shop, order_id=order_id, sku=sku, location_id=location, quantity=quantity
                )
            )


def stored_stock_items(
    conn: sa.Connection, shop: str, skus: Iterable[str] | None = None
) -> dict[str, StockItem]:
    query = sa.select(stock_items).where(stock_items.c.shop == shop)
    found: dict[str, StockItem] = {}
    for part in _parts(skus):
        chosen = query if part is None else query.where(stock_items.c.sku.in_(part))
        found.update(
            {
                row.sku: StockItem(
                    row.sku,
                    row.variant_id,
                    row.inventory_item_id,
                    row.product_type,
                    tuple(h for h in (row.collections or "").split(",") if h),
                )
                for row in conn.execute(chosen)
            }
        )
    return found


def save_stock_items(conn: sa.Connection, shop: str, items: Sequence[StockItem], *, now: datetime) -> None:
    for item in items:
        values = {
            "variant_id": item.variant_id,
            "inventory_item_id": item.inventory_item_id,
            "product_type": item.product_type,
            "collections": ",".join(item.collections),  # handles never hold a comma
            "checked_at": now,
        }
        stmt = upsert_insert(conn, stock_items).values(shop=shop, sku=item.sku, **values)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=[stock_items.c.shop, stock_items.c.sku], set_=values)
        )
        links.link(
            conn,
            entity_type="variant",
            shop=shop,
            shopify_id=item.variant_id,
            erp_id=item.sku,
            erp_reference=item.inventory_item_id,
            now=now,
        )


def _level_key(inventory_item_id: str, location_id: str) -> str:
    return f"{inventory_item_id}@{location_id}"


def activated_levels(conn: sa.Connection, shop: str, location_id: str, item_ids: Iterable[str]) -> set[str]:
    """The items (of ``item_ids``) shopbridge knows are stocked at the location."""
    keys = {_level_key(item, location_id): item for item in item_ids}
    found: set[str] = set()
    for part in _parts(keys) if keys else []:
        assert part is not None
        rows = conn.execute(
            sa.select(links_table.c.shopify_id).where(
                links_table.c.entity_type == ACTIVATED,
                links_table.c.shop == shop,
                links_table.c.shopify_id.in_(part),
            )
        ).scalars()
        found.update(keys[key] for key in rows)
    return found


def mark_activated(conn: sa.Connection, shop: str, location_id: str, item_id: str, *, now: datetime) -> None:
    key = _level_key(item_id, location_id)
    links.link(conn, entity_type=ACTIVATED, shop=shop, shopify_id=key, erp_id=key, now=now)


def pushed_quantities(conn: sa.Connection, shop: str) -> dict[tuple[str, str], int]:
    """Every last pushed quantity of the shop, per (SKU, location): what Shopify sells now."""
    query = sa.select(stock_snapshots.c.sku, stock_snapshots.c.location_id, stock_snapshots.c.quantity).where(
        stock_snapshots.c.shop == shop
    )
    return {(row.sku, row.location_id): int(row.quantity) for row in conn.execute(query)}


def last_pushed(conn: sa.Connection, shop: str, location_id: str, item_ids: Iterable[str]) -> dict[str, int]:
    """``snapshots.last_pushed`` a chunk at a time."""
    found: dict[str, int] = {}
    for part in _parts(item_ids):
        found.update(
            snapshots.last_pushed(conn, shop=shop, location_id=location_id, inventory_item_ids=part or [])
        )
    return found


def _parts(values: Iterable[str] | None) -> list[list[str] | None]:
    """``values`` sorted and cut into IN-sized chunks; ``[None]`` (no filter) when ``values`` is None."""
    if values is None:
        return [None]
    ordered = sorted(set(values))
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]
