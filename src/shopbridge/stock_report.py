"""The stock page's figures, read from the store: drift found by the audits, the buffers in force,
and the last levels pushed to Shopify (``stock_snapshots``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.admin import Services
from shopbridge.config import Settings
from shopbridge.domain.problems import ProblemKind
from shopbridge.domain.stock_audit import PROBLEM_ENTITY
from shopbridge.domain.stock_buffers import BufferRule
from shopbridge.engine.schema import problems, stock_snapshots
from shopbridge.flows.stock_settings import stock_rules

__all__ = ["AuditDrift", "Push", "buffers_in_force", "drift_history", "last_pushes", "latest_drift"]

_PUSHES_SHOWN = 100


@dataclass(frozen=True)
class AuditDrift:
    """What one audit of a shop found: how many levels drifted and the worst, by SKU and location."""

    shop: str
    seen: datetime
    status: str
    drift: int
    repaired: int
    worst: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Push:
    shop: str
    sku: str
    location_id: str
    quantity: int
    pushed_at: datetime


def _audits(services: Services) -> list[AuditDrift]:
    query = (
        sa.select(problems.c.shop, problems.c.last_seen, problems.c.status, problems.c.details)
        .where(problems.c.kind == ProblemKind.STOCK_MISMATCH.value, problems.c.entity_type == PROBLEM_ENTITY)
        .order_by(problems.c.last_seen.desc())
    )
    with services.store.begin() as conn:
        rows = conn.execute(query).all()
    return [
        AuditDrift(
            shop=row.shop,
            seen=row.last_seen,
            status=row.status,
            drift=int((row.details or {}).get("drift", 0)),
            repaired=int((row.details or {}).get("repaired", 0)),
            worst=tuple((row.details or {}).get("worst", [])),
        )
        for row in rows
    ]


def latest_drift(services: Services) -> list[AuditDrift]:
    """Each shop's latest audit that found drift (an audit that found none closes it: status resolved)."""
    latest: dict[str, AuditDrift] = {}
    for audit in _audits(services):
        latest.setdefault(audit.shop, audit)
    return list(latest.values())


def drift_history(services: Services) -> list[tuple[str, float]]:
    """Levels in drift per audit that found drift, oldest first (a repeat keeps its latest figure)."""
    return [(a.seen.strftime("%d %b %H:%M"), float(a.drift)) for a in reversed(_audits(services))]


def buffers_in_force(settings: Settings) -> list[tuple[str, BufferRule]]:
    """Every buffer rule of every shop, in the order they are tried (most specific first)."""
    found: list[tuple[str, BufferRule]] = []
    for shop in settings.shops:
        found.extend((shop.name, rule) for rule in stock_rules(settings, shop).rules)
    return found


def last_pushes(services: Services, *, limit: int = _PUSHES_SHOWN) -> list[Push]:
    query = sa.select(stock_snapshots).order_by(stock_snapshots.c.pushed_at.desc()).limit(limit)
    with services.store.begin() as conn:
        rows = conn.execute(query).all()
    return [Push(r.shop, r.sku, r.location_id, int(r.quantity), r.pushed_at) for r in rows]
