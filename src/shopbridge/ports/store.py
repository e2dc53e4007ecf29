"""The unit of work: what flows may read and write in shopbridge's own store, in one transaction.

Flows never see tables or SQL. A handler opens ``uow.begin()`` around the state it changes together:
the order's sync record, its link to the ERP document, the trail, problems and follow-up jobs are
written in one transaction (the transactional outbox of docs/architecture.md invariant 1), so a crash leaves
either all of them or none. The engine implements this port (``shopbridge.engine.uow``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from shopbridge.domain.order_sync import OrderSync
from shopbridge.domain.problems import ProblemKind, ProblemReport

__all__ = ["Transaction", "UnitOfWork"]


class Transaction(Protocol):
    """The store as seen inside one transaction."""

    def order_sync(self, shop: str, order_id: str) -> OrderSync | None:
        """What shopbridge knows of one Shopify order (GID), or ``None`` if it never saw it."""
        ...

    def save_order_sync(self, sync: OrderSync) -> None:
        """Insert or replace the order's sync record."""
        ...

    def quarantined_orders(self, skus: Sequence[str] | None = None) -> list[OrderSync]:
        """Orders in quarantine; with ``skus``, only those waiting for one of them."""
        ...

    def add_trail(self, shop: str, order_id: str, step: str, detail: Mapping[str, Any]) -> None:
        """One step on the order's trail (received, qualified, posted, quarantined, ...)."""
        ...

    def report_problem(self, report: ProblemReport) -> None:
        """Open a problem, or count a repeat of the open one."""
        ...

    def resolve_problems(self, kind: ProblemKind, entity_type: str, entity_id: str, shop: str) -> int:
        """Close the open problems of ``kind`` on one entity: the condition they waited for holds."""
        ...

    def link(self, entity_type: str, shop: str, shopify_id: str, erp_id: str, erp_reference: str) -> None:
        """Record that a Shopify record is this ERP document."""
        ...

    def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, entity_key: str, dedup_key: str, shop: str
    ) -> None:
        """A follow-up job, written with the state that calls for it."""
        ...

    def cursor(self, name: str) -> str | None:
        """A sweep's watermark."""
        ...

    def set_cursor(self, name: str, value: str) -> None: ...

    def linked(self, entity_type: str, shop: str, shopify_id: str) -> str | None:
        """The ERP id a Shopify record is linked to, or ``None``: the look-up before every create."""
        ...


class UnitOfWork(Protocol):
    """Opens transactions over the store."""

    def begin(self) -> AbstractContextManager[Transaction]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        ...
