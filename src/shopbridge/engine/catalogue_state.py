"""The catalogue sweep's memory in the store: gated products and duplicate SKUs, per shop."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from shopbridge.domain.catalogue import Gate, GateMode
from shopbridge.engine.schema import catalogue_gates, duplicate_skus
from shopbridge.engine.sql import upsert_insert

__all__ = ["drop_gate", "duplicates", "gates", "replace_duplicates", "save_gate"]


def gates(conn: sa.Connection, shop: str) -> dict[str, Gate]:
    rows = conn.execute(sa.select(catalogue_gates).where(catalogue_gates.c.shop == shop)).all()
    return {row.product_id: _gate(row._mapping) for row in rows}


def _gate(row: sa.RowMapping) -> Gate:
    return Gate(
        product_id=row["product_id"],
        mode=GateMode(row["mode"]),
        prior_status=row["prior_status"],
        publications=tuple(row["publications"] or ()),
        blocking=tuple(row["blocking"] or ()),
        withdrawn=bool(row["withdrawn"]),
    )


def save_gate(conn: sa.Connection, shop: str, gate: Gate, *, now: datetime) -> None:
    """Insert the gate, or refresh what it waits for (the first gating's restore values are kept)."""
    values = {
        "shop": shop,
        "product_id": gate.product_id,
        "mode": gate.mode.value,
        "prior_status": gate.prior_status,
        "publications": list(gate.publications),
        "blocking": list(gate.blocking),
        "withdrawn": int(gate.withdrawn),
        "gated_at": now,
        "updated_at": now,
    }
    stmt = upsert_insert(conn, catalogue_gates).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[catalogue_gates.c.shop, catalogue_gates.c.product_id],
        set_={"blocking": values["blocking"], "updated_at": now},
    )
    conn.execute(stmt)


def drop_gate(conn: sa.Connection, shop: str, product_id: str) -> None:
    conn.execute(
        catalogue_gates.delete().where(
            catalogue_gates.c.shop == shop, catalogue_gates.c.product_id == product_id
        )
    )


def duplicates(
    conn: sa.Connection, shop: str, skus: Sequence[str] | None = None
) -> dict[str, tuple[str, ...]]:
    query = sa.select(duplicate_skus.c.sku, duplicate_skus.c.variant_ids).where(duplicate_skus.c.shop == shop)
    if skus is not None:
        query = query.where(duplicate_skus.c.sku.in_(sorted(set(skus))))
    return {row.sku: tuple(row.variant_ids or ()) for row in conn.execute(query)}


def replace_duplicates(
    conn: sa.Connection, shop: str, found: Mapping[str, Sequence[str]], *, now: datetime
) -> tuple[str, ...]:
    """Make the shop's duplicate set ``found``; returns the SKUs that are no longer duplicated."""
    before = duplicates(conn, shop)
    cleared = tuple(sorted(set(before) - set(found)))
    if cleared:
        conn.execute(
            duplicate_skus.delete().where(duplicate_skus.c.shop == shop, duplicate_skus.c.sku.in_(cleared))
        )
    for sku, variant_ids in found.items():
        values = {
            "shop": shop,
            "sku": sku,
            "variant_ids": list(variant_ids),
            "first_seen": now,
            "last_seen": now,
        }
        stmt = upsert_insert(conn, duplicate_skus).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[duplicate_skus.c.shop, duplicate_skus.c.sku],
            set_={"variant_ids": values["variant_ids"], "last_seen": now},
        )
        conn.execute(stmt)
    return cleared
