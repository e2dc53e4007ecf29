"""The audit trail: every manual action (resolve, ignore, replay, retry, discard) with who and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.engine.schema import audit

__all__ = ["AuditEntry", "list_audit", "record"]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    detail: dict[str, Any]


def record(
    conn: sa.Connection,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    detail: Mapping[str, Any] | None = None,
    now: datetime,
) -> int:
    """Write one audit entry in the caller's transaction (so the action and its record commit together)."""
    stmt = audit.insert().values(
        at=now,
        actor=actor or "unknown",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        detail=dict(detail or {}),
    )
    return int(conn.execute(stmt.returning(audit.c.id)).scalar_one())


def list_audit(
    conn: sa.Connection, *, entity_type: str | None = None, entity_id: str | None = None, limit: int = 50
) -> list[AuditEntry]:
    """The newest entries first, optionally for one entity."""
    query = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
    if entity_type is not None:
        query = query.where(audit.c.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(audit.c.entity_id == entity_id)
    return [AuditEntry(**dict(row._mapping)) for row in conn.execute(query)]
