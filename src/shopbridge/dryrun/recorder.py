"""Would-dos on the trail: one ``would_do`` step per write the dry run did not make, payload in full.

Each is written in its own transaction (a log line, not part of the flow's state) and at most once:
a sweep that sees the same work again (the dry run stores no "done" state) does not repeat it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shopbridge.dryrun import WOULD_DO_STEP
from shopbridge.dryrun.payload import digest
from shopbridge.engine.clock import Clock
from shopbridge.engine.schema import trail
from shopbridge.engine.store import Store

__all__ = ["StoreRecorder", "WouldDo", "would_dos", "would_dos_of"]

ERP_KIND = "erp."


@dataclass(frozen=True)
class WouldDo:
    """One write a dry run did not make."""

    shop: str
    entity_id: str
    at: datetime
    flow: str
    kind: str
    payload: dict[str, Any]
    reference: str = ""


class StoreRecorder:
    """Records the would-dos of one flow for one shop on the trail."""

    def __init__(self, store: Store, clock: Clock, *, shop: str, flow: str, subject: str = "") -> None:
        self.store = store
        self.clock = clock
        self.shop = shop
        self.flow = flow
        self.subject = subject  # the Shopify order the job concerns, when it names one

    def record(self, kind: str, entity_id: str, payload: dict[str, Any]) -> None:
        """Onto ``entity_id``'s trail; an ERP document of a job about one Shopify order goes onto that
        order's trail (where ``orders show`` finds it), its ERP reference kept in the detail."""
        fingerprint = digest({"kind": kind, "payload": payload})
        detail = {
            "flow": self.flow,
            "kind": kind,
            "reference": entity_id,
            "payload": payload,
            "digest": fingerprint,
        }
        if self.subject and kind.startswith(ERP_KIND):
            entity_id = self.subject
        with self.store.begin() as conn:
            if fingerprint in _digests(conn, self.shop, entity_id):
                return
            row = {"shop": self.shop, "entity_id": entity_id, "at": self.clock.now(), "step": WOULD_DO_STEP}
            conn.execute(trail.insert().values(**row, detail=detail))


def _digests(conn: sa.Connection, shop: str, entity_id: str) -> set[str]:
    query = sa.select(trail.c.detail).where(
        trail.c.shop == shop, trail.c.entity_id == entity_id, trail.c.step == WOULD_DO_STEP
    )
    return {str(detail.get("digest", "")) for (detail,) in conn.execute(query)}


def would_dos(
    conn: sa.Connection, start: datetime, end: datetime, flows: Sequence[str] = ()
) -> list[WouldDo]:
    """The would-dos recorded at or after ``start`` and before ``end``, oldest first."""
    query = (
        sa.select(trail)
        .where(trail.c.step == WOULD_DO_STEP, trail.c.at >= start, trail.c.at < end)
        .order_by(trail.c.id)
    )
    found = [_would_do(row._mapping) for row in conn.execute(query)]
    return [w for w in found if not flows or w.flow in flows]


def _would_do(row: sa.RowMapping) -> WouldDo:
    detail = dict(row["detail"])
    return WouldDo(
        shop=row["shop"],
        entity_id=row["entity_id"],
        at=row["at"],
        flow=str(detail.get("flow", "")),
        kind=str(detail.get("kind", "")),
        payload=dict(detail.get("payload", {})),
        reference=str(detail.get("reference", "")),
    )


def would_dos_of(conn: sa.Connection, key: str) -> list[WouldDo]:
    """Every would-do on ``key``'s trail (a GID), or carrying ``key`` as its reference (``#1001``)."""
    query = sa.select(trail).where(trail.c.step == WOULD_DO_STEP).order_by(trail.c.id)
    found = [_would_do(row._mapping) for row in conn.execute(query)]
    return [w for w in found if key in (w.entity_id, w.reference)]
