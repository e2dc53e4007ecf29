"""Payout records in the store: save, read back, list, and the detail joined with each order's ERP number."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from shopbridge.domain.payout_state import DetailRow, Outcome, PayoutRecord
from shopbridge.engine.schema import links, order_syncs, payout_records
from shopbridge.engine.sql import upsert_insert

__all__ = ["find_record", "list_records", "save_record", "with_erp_orders"]

_KEYS = ("shop", "payout_id")


def save_record(conn: sa.Connection, record: PayoutRecord, *, now: datetime) -> None:
    values = _values(record, now)
    stmt = upsert_insert(conn, payout_records).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[payout_records.c.shop, payout_records.c.payout_id],
        set_={k: v for k, v in values.items() if k not in _KEYS},
    )
    conn.execute(stmt)


def find_record(conn: sa.Connection, shop: str, payout_id: str) -> PayoutRecord | None:
    """The record of a payout by its GID, or by its numeric id (what finance types)."""
    query = (
        sa.select(payout_records).where(payout_records.c.shop == shop) if shop else sa.select(payout_records)
    )
    wanted = payout_id.rsplit("/", 1)[-1]
    rows = conn.execute(query.where(payout_records.c.payout_id.like(f"%{wanted}"))).all()
    found = [r._mapping for r in rows if str(r._mapping["payout_id"]).rsplit("/", 1)[-1] == wanted]
    return _record(found[0]) if found else None


def list_records(conn: sa.Connection, shop: str = "", limit: int = 200) -> list[PayoutRecord]:
    query = sa.select(payout_records).order_by(payout_records.c.issued_at.desc()).limit(limit)
    if shop:
        query = query.where(payout_records.c.shop == shop)
    return [_record(row._mapping) for row in conn.execute(query).all()]


def with_erp_orders(conn: sa.Connection, record: PayoutRecord) -> PayoutRecord:
    """The record's detail with each order's ERP number (the order flow's sync record, else its link)."""
    ids = sorted({row.order_id for row in record.detail if row.order_id})
    if not ids:
        return record
    numbers = _erp_numbers(conn, record.shop, ids)
    detail = tuple(replace(row, erp_order=numbers.get(row.order_id, "")) for row in record.detail)
    return replace(record, detail=detail)


def _erp_numbers(conn: sa.Connection, shop: str, order_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    linked = conn.execute(
        sa.select(links.c.shopify_id, links.c.erp_reference, links.c.erp_id).where(
            links.c.entity_type == "order", links.c.shop == shop, links.c.shopify_id.in_(order_ids)
        )
    ).all()
    for shopify_id, reference, erp_id in linked:
        found[shopify_id] = reference or erp_id
    synced = conn.execute(
        sa.select(order_syncs.c.order_id, order_syncs.c.erp_number).where(
            order_syncs.c.shop == shop, order_syncs.c.order_id.in_(order_ids), order_syncs.c.erp_number != ""
        )
    ).all()
    found.update({order_id: number for order_id, number in synced})
    return found


def _values(record: PayoutRecord, now: datetime) -> dict[str, Any]:
    return {
        "shop": record.shop,
        "payout_id": record.payout_id,
        "issued_at": record.issued_at,
        "status": record.status,
        "settled_status": record.settled_status,
        "currency": record.currency,
        "net": str(record.net),
        "outcome": record.outcome.value,
        "erp_id": record.erp_id,
        "erp_reference": record.erp_reference,
        "difference": str(record.difference),
        "unknown_types": list(record.unknown_types),
        "detail": [_row_json(row) for row in record.detail],
        "journal_csv": record.journal_csv,
        "updated_at": now,
    }


def _row_json(row: DetailRow) -> dict[str, str]:
    return {
        "transaction_id": row.transaction_id,
        "type": row.type,
        "category": row.category,
        "amount": str(row.amount),
        "fee": str(row.fee),
        "net": str(row.net),
        "order_id": row.order_id,
        "order_name": row.order_name,
    }


def _row(data: dict[str, str]) -> DetailRow:
    return DetailRow(
        transaction_id=data["transaction_id"],
        type=data["type"],
        category=data["category"],
        amount=Decimal(data["amount"]),
        fee=Decimal(data["fee"]),
        net=Decimal(data["net"]),
        order_id=data.get("order_id", ""),
        order_name=data.get("order_name", ""),
    )


def _record(row: sa.RowMapping) -> PayoutRecord:
    return PayoutRecord(
        shop=row["shop"],
        payout_id=row["payout_id"],
        issued_at=row["issued_at"],
        status=row["status"],
        settled_status=row["settled_status"],
        currency=row["currency"],
        net=Decimal(row["net"]),
        outcome=Outcome(row["outcome"]),
        erp_id=row["erp_id"],
        erp_reference=row["erp_reference"],
        difference=Decimal(row["difference"]),
        unknown_types=tuple(row["unknown_types"] or ()),
        detail=tuple(_row(item) for item in row["detail"] or ()),
        journal_csv=row["journal_csv"],
        updated_at=row["updated_at"],
    )
