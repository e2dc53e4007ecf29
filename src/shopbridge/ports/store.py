"""The unit of work: what flows may read and write in shopbridge's own store, in one transaction.

Flows never see tables or SQL. A handler opens ``uow.begin()`` around the state it changes together:
the order's sync record, its link to the ERP document, the trail, problems and follow-up jobs are
written in one transaction (the transactional outbox of docs/architecture.md invariant 1), so a crash leaves
either all of them or none. The engine implements this port (``shopbridge.engine.uow``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, Protocol

from shopbridge.domain.catalogue import Gate
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.payout_state import PayoutRecord
from shopbridge.domain.price_lists import FixedPrice
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.reconciliation import DayReport, DaySummary
from shopbridge.domain.sku_index import IndexedVariant
from shopbridge.domain.stock import PendingLine, StockItem
from shopbridge.domain.stock_audit import ExpectedLevel

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

    # -- the catalogue sweep's memory (flows/catalogue_sync.py) ----------------------------------

    def catalogue_gates(self, shop: str) -> dict[str, Gate]:
        """The products shopbridge took off sale in this shop, by product GID."""
        ...

    def save_gate(self, shop: str, gate: Gate) -> None:
        """Remember a gated product (a repeat keeps what to restore and refreshes what it waits for)."""
        ...

    def drop_gate(self, shop: str, product_id: str) -> None:
        """Forget a gate: the product was released."""
        ...

    def duplicate_skus(self, shop: str, skus: Sequence[str] | None = None) -> dict[str, tuple[str, ...]]:
        """SKU -> variant GIDs of the SKUs on several variants (with ``skus``: only among those)."""
        ...

    def replace_duplicate_skus(self, shop: str, found: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
        """Make the shop's duplicate set ``found``; returns the SKUs no longer duplicated."""

    def linked_shopify_id(self, entity_type: str, shop: str, erp_id: str) -> str | None:
        """The Shopify id linked to an ERP id (``link`` wrote it), or ``None``."""
        ...

    def pushed_prices(self, shop: str, price_list_id: str) -> dict[str, FixedPrice]:
        """The fixed prices shopbridge last pushed to one Shopify price list, by variant id."""
        ...

    def record_pushed_prices(
        self, shop: str, price_list_id: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        """Remember what one successful call sent: these prices are now Shopify's, those gone."""

    def expected_stock(
        self, shop: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], ExpectedLevel]:
        """The stock snapshot (last value pushed, SKU) of each (location id, inventory item id) that
        has one; keys without a snapshot are absent."""

    def find_link(self, entity_type: str, shop: str, shopify_id: str) -> tuple[str, str] | None:
        """The ERP id and reference linked to a Shopify record, or ``None``."""
        ...

    def payout_record(self, shop: str, payout_id: str) -> PayoutRecord | None:
        """What shopbridge settled of one Shopify Payments payout, or ``None``."""
        ...

    def save_payout_record(self, record: PayoutRecord) -> None:
        """Insert or replace a payout's record."""

    def order_sync_named(self, shop: str, name: str) -> OrderSync | None:
        """The sync record of the order called ``name`` (``#1001``) in ``shop``, if shopbridge saw it."""
        ...

    def linked_erp_id(self, entity_type: str, shop: str, shopify_id: str) -> str | None:
        """The ERP id linked to a Shopify record, if any."""
        ...

    # -- the stock push (flows/stock_to_shopify.py) --------------------------------------------------

    def erp_free(self, skus: Sequence[str] | None = None) -> dict[tuple[str, str], Decimal]:
        """The ERP's free stock per (SKU, warehouse) as last read; every row when ``skus`` is None."""
        ...

    def keep_erp_levels(self, levels: Mapping[tuple[str, str], Decimal]) -> None:
        """Remember the ERP's latest free stock per (SKU, warehouse)."""
        ...

    def orders_not_in_erp(self, shop: str) -> list[str]:
        """Ids of the shop's orders Shopify took that the ERP does not hold yet (waiting, quarantined)."""
        ...

    def pending_lines(self, shop: str) -> dict[str, list[PendingLine]]:
        """The units of those orders, per order id, as stored."""
        ...

    def replace_pending(
        self, shop: str, lines: Mapping[str, Sequence[PendingLine]], keep: Sequence[str]
    ) -> None:
        """Store newly read orders' units; forget orders not in ``keep`` (they reached the ERP)."""
        ...

    def stock_items(self, shop: str, skus: Sequence[str] | None = None) -> dict[str, StockItem]:
        """Shopify's variant and inventory item per SKU, as last looked up; every SKU when None."""
        ...

    def save_stock_items(self, shop: str, items: Sequence[StockItem]) -> None: ...

    def last_pushed(self, shop: str, location_id: str, inventory_item_ids: Sequence[str]) -> dict[str, int]:
        """The last ``available`` shopbridge knows Shopify holds, per item at the location."""
        ...

    def record_pushed(
        self, shop: str, location_id: str, inventory_item_id: str, sku: str, quantity: int
    ) -> None: ...

    def pushed_quantities(self, shop: str) -> dict[tuple[str, str], int]:
        """Every last pushed quantity of the shop, per (SKU, location)."""
        ...

    def activated(self, shop: str, location_id: str, inventory_item_ids: Sequence[str]) -> set[str]:
        """The items shopbridge knows are stocked at the location (activated, or found stocked)."""
        ...

    def mark_activated(self, shop: str, location_id: str, inventory_item_id: str) -> None: ...

    # -- the daily reconciliation (flows/daily_reconciliation.py) ----------------------------------

    def save_reconcile_report(self, report: DayReport) -> None:
        """Keep the day's report (verdicts, JSON, CSV); a re-run of the day replaces it."""

    def reconcile_trend(self, shop: str, days: int) -> list[DaySummary]:
        """The latest ``days`` stored days of the shop, oldest first."""
        ...

    def reconciled_mismatches(self, shop: str, day: str) -> set[tuple[str, str]]:
        """(checkpoint, key) of each mismatch in the day's stored report; empty if none is stored."""
        ...

    # -- the catalogue sweep's SKU index (flows/catalogue_index.py) --------------------------------

    def replace_sku_index(self, shop: str, rows: Sequence[IndexedVariant]) -> None:
        """Make the shop's SKU index ``rows`` (after a whole-catalogue read)."""
        ...

    def update_sku_index(self, shop: str, product_ids: Sequence[str], rows: Sequence[IndexedVariant]) -> None:
        """Forget the rows of ``product_ids`` (read again, or deleted in Shopify) and index ``rows``."""
        ...

    def sku_index_duplicates(self, shop: str) -> dict[str, tuple[IndexedVariant, ...]]:
        """SKU -> its indexed variants, for each SKU on more than one variant."""
        ...

    def sku_index_products(self, shop: str, skus: Sequence[str]) -> set[str]:
        """The product GIDs whose indexed variants carry one of ``skus``."""
        ...

    def orders_received(self, shop: str, kind: str) -> list[str]:
        """Ids of the shop's orders shopbridge has received (a job of ``kind`` queued or running) but
        not yet recorded (no order sync): Shopify took them, the ERP does not hold them."""
        ...

    def claim_order_version(self, shop: str, version: OrderVersion) -> bool:
        """Mark an order version known, as intake does before it enqueues that version's job: a
        webhook or sweep of it later makes no job. False if it was known already."""
        ...

    def order_sync_statuses(self, shop: str, order_ids: Sequence[str]) -> dict[str, SyncStatus]:
        """Where shopbridge stands with each of ``order_ids`` (GIDs), in one read for the lot (the
        daily reconciliation's whole day); an order it never saw is absent."""
        ...


class UnitOfWork(Protocol):
    """Opens transactions over the store."""

    def begin(self) -> AbstractContextManager[Transaction]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        ...
