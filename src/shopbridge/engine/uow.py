"""The store as the flows' unit of work (``ports/store.py``), over SQLAlchemy Core.

Each ``begin()`` is one database transaction; every write a flow makes inside it (sync record, link,
trail, problems, follow-up jobs) commits together or not at all. Time comes from the clock once per
transaction, so everything written together carries the same instant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from shopbridge.domain.catalogue import Gate
from shopbridge.domain.order_sync import OrderSync, SyncStatus
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.payout_state import PayoutRecord
from shopbridge.domain.price_lists import FixedPrice
from shopbridge.domain.problems import ProblemKind, ProblemReport
from shopbridge.domain.reconciliation import DayReport, DaySummary, csv_text
from shopbridge.domain.sku_index import IndexedVariant
from shopbridge.domain.stock import PendingLine, StockItem
from shopbridge.domain.stock_audit import ExpectedLevel  # the stock audit's reads
from shopbridge.engine import (
    catalogue_state,
    cursors,
    links,
    order_statuses,
    payouts,
    problems,
    queue,
    reconcile_reports,
    sku_index,
    snapshots,
    stock_expectations,
    stock_store,
)
from shopbridge.engine import price_list_prices as pushed
from shopbridge.engine.batch import insert_event, order_version_marker
from shopbridge.engine.clock import Clock
from shopbridge.engine.schema import order_syncs, trail
from shopbridge.engine.sql import PerDialect, dialect_insert
from shopbridge.engine.store import Store

__all__ = ["StoreTransaction", "StoreUnitOfWork", "sync_from_row"]


# The statements every order takes, built once: an order writes its sync record three times and its
# trail five, and building a statement afresh cost more CPU than SQLite running it.
_READ_SYNC = sa.select(order_syncs).where(
    order_syncs.c.shop == sa.bindparam("s"), order_syncs.c.order_id == sa.bindparam("o")
)
_ADD_TRAIL = trail.insert()
_SYNC_KEYS = ("shop", "order_id")


def _build_save_sync(dialect: str) -> Any:
    stmt = dialect_insert(dialect, order_syncs)
    kept = {c.name: stmt.excluded[c.name] for c in order_syncs.c if c.name not in _SYNC_KEYS}
    return stmt.on_conflict_do_update(index_elements=[order_syncs.c[k] for k in _SYNC_KEYS], set_=kept)


_SAVE_SYNC = PerDialect(_build_save_sync)


class StoreUnitOfWork:
    """Opens :class:`StoreTransaction` s on ``store``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @contextmanager
    def begin(self) -> Iterator[StoreTransaction]:
        with self.store.begin() as conn:
            yield StoreTransaction(conn, self.clock.now())


class StoreTransaction:
    """One transaction; ``now`` stamps every row it writes."""

    def __init__(self, conn: sa.Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def order_sync(self, shop: str, order_id: str) -> OrderSync | None:
        row = self.conn.execute(_READ_SYNC, {"s": shop, "o": order_id}).first()
        return None if row is None else sync_from_row(row._mapping)

    def save_order_sync(self, sync: OrderSync) -> None:
        self.conn.execute(_SAVE_SYNC(self.conn), _sync_values(sync, self.now))

    def quarantined_orders(self, skus: Sequence[str] | None = None) -> list[OrderSync]:
        rows = self.conn.execute(
            sa.select(order_syncs)
            .where(order_syncs.c.status == SyncStatus.QUARANTINED.value)
            .order_by(order_syncs.c.updated_at)
        ).all()
        found = [sync_from_row(row._mapping) for row in rows]
        if skus is None:
            return found
        wanted = set(skus)
        return [sync for sync in found if wanted.intersection(sync.missing_skus)]

    def add_trail(self, shop: str, order_id: str, step: str, detail: Mapping[str, Any]) -> None:
        row = {"shop": shop, "entity_id": order_id, "at": self.now, "step": step, "detail": dict(detail)}
        self.conn.execute(_ADD_TRAIL, row)

    def report_problem(self, report: ProblemReport) -> None:
        problems.report_problem(self.conn, report, now=self.now)

    def resolve_problems(self, kind: ProblemKind, entity_type: str, entity_id: str, shop: str) -> int:
        return problems.resolve_problems(
            self.conn, kind=kind, entity_type=entity_type, entity_id=entity_id, shop=shop, now=self.now
        )

    def link(self, entity_type: str, shop: str, shopify_id: str, erp_id: str, erp_reference: str) -> None:
        links.link(
            self.conn,
            entity_type=entity_type,
            shop=shop,
            shopify_id=shopify_id,
            erp_id=erp_id,
            erp_reference=erp_reference,
            now=self.now,
        )

    def enqueue(
        self, kind: str, payload: Mapping[str, Any], *, entity_key: str, dedup_key: str, shop: str
    ) -> None:
        queue.enqueue(
            self.conn, kind, payload, entity_key=entity_key, dedup_key=dedup_key, shop=shop, now=self.now
        )

    def cursor(self, name: str) -> str | None:
        return cursors.get_cursor(self.conn, name)

    def set_cursor(self, name: str, value: str) -> None:
        cursors.set_cursor(self.conn, name, value, now=self.now)

    def catalogue_gates(self, shop: str) -> dict[str, Gate]:
        return catalogue_state.gates(self.conn, shop)

    def save_gate(self, shop: str, gate: Gate) -> None:
        catalogue_state.save_gate(self.conn, shop, gate, now=self.now)

    def drop_gate(self, shop: str, product_id: str) -> None:
        catalogue_state.drop_gate(self.conn, shop, product_id)

    def duplicate_skus(self, shop: str, skus: Sequence[str] | None = None) -> dict[str, tuple[str, ...]]:
        return catalogue_state.duplicates(self.conn, shop, skus)

    def replace_duplicate_skus(self, shop: str, found: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
        return catalogue_state.replace_duplicates(self.conn, shop, found, now=self.now)

    def order_sync_named(self, shop: str, name: str) -> OrderSync | None:
        row = self.conn.execute(
            sa.select(order_syncs).where(order_syncs.c.shop == shop, order_syncs.c.name == name)
        ).first()
        return None if row is None else sync_from_row(row._mapping)

    def linked_shopify_id(self, entity_type: str, shop: str, erp_id: str) -> str | None:
        found = links.find(self.conn, entity_type=entity_type, shop=shop, erp_id=erp_id)
        return None if found is None else found.shopify_id

    def pushed_prices(self, shop: str, price_list_id: str) -> dict[str, FixedPrice]:
        return pushed.pushed_prices(self.conn, shop, price_list_id)

    def record_pushed_prices(
        self, shop: str, price_list_id: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        pushed.record(self.conn, shop, price_list_id, upserts, deletes, now=self.now)

    def expected_stock(
        self, shop: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], ExpectedLevel]:
        return stock_expectations.expected_levels(self.conn, shop, keys)

    def find_link(self, entity_type: str, shop: str, shopify_id: str) -> tuple[str, str] | None:
        found = links.find(self.conn, entity_type=entity_type, shop=shop, shopify_id=shopify_id)
        return None if found is None else (found.erp_id, found.erp_reference)

    def payout_record(self, shop: str, payout_id: str) -> PayoutRecord | None:
        return payouts.find_record(self.conn, shop, payout_id)

    def save_payout_record(self, record: PayoutRecord) -> None:
        payouts.save_record(self.conn, record, now=self.now)

    def linked_erp_id(self, entity_type: str, shop: str, shopify_id: str) -> str | None:
        found = links.find(self.conn, entity_type=entity_type, shop=shop, shopify_id=shopify_id)
        return None if found is None else found.erp_id

    # -- the stock push: delegated to engine/stock_store.py and engine/snapshots.py ----------------

    def erp_free(self, skus: Sequence[str] | None = None) -> dict[tuple[str, str], Decimal]:
        return stock_store.erp_free(self.conn, skus)

    def keep_erp_levels(self, levels: Mapping[tuple[str, str], Decimal]) -> None:
        stock_store.keep_erp_levels(self.conn, levels, now=self.now)

    def orders_not_in_erp(self, shop: str) -> list[str]:
        return stock_store.orders_not_in_erp(self.conn, shop)

    def pending_lines(self, shop: str) -> dict[str, list[PendingLine]]:
        return stock_store.pending_lines(self.conn, shop)

    def replace_pending(
        self, shop: str, lines: Mapping[str, Sequence[PendingLine]], keep: Sequence[str]
    ) -> None:
        stock_store.replace_pending(self.conn, shop, lines, keep)

    def stock_items(self, shop: str, skus: Sequence[str] | None = None) -> dict[str, StockItem]:
        return stock_store.stored_stock_items(self.conn, shop, skus)

    def save_stock_items(self, shop: str, items: Sequence[StockItem]) -> None:
        stock_store.save_stock_items(self.conn, shop, items, now=self.now)

    def last_pushed(self, shop: str, location_id: str, inventory_item_ids: Sequence[str]) -> dict[str, int]:
        return stock_store.last_pushed(self.conn, shop, location_id, inventory_item_ids)

    def record_pushed(
        self, shop: str, location_id: str, inventory_item_id: str, sku: str, quantity: int
    ) -> None:
        snapshots.record_pushed(
            self.conn,
            shop=shop,
            location_id=location_id,
            inventory_item_id=inventory_item_id,
            quantity=quantity,
            sku=sku,
            now=self.now,
        )

    def pushed_quantities(self, shop: str) -> dict[tuple[str, str], int]:
        return stock_store.pushed_quantities(self.conn, shop)

    def activated(self, shop: str, location_id: str, inventory_item_ids: Sequence[str]) -> set[str]:
        return stock_store.activated_levels(self.conn, shop, location_id, inventory_item_ids)

    def mark_activated(self, shop: str, location_id: str, inventory_item_id: str) -> None:
        stock_store.mark_activated(self.conn, shop, location_id, inventory_item_id, now=self.now)

    # -- the daily reconciliation: engine/reconcile_reports.py ---------------------------------------

    def save_reconcile_report(self, report: DayReport) -> None:
        reconcile_reports.save_report(
            self.conn,
            shop=report.shop,
            day=report.day,
            passed=report.passed,
            verdicts=report.verdicts(),
            report=report.as_dict(),
            csv=csv_text(report),
            now=self.now,
        )

    def reconcile_trend(self, shop: str, days: int) -> list[DaySummary]:
        stored = reconcile_reports.trend(self.conn, shop, days=days)
        return [DaySummary(r.day, r.passed, r.verdicts) for r in stored]

    def reconciled_mismatches(self, shop: str, day: str) -> set[tuple[str, str]]:
        stored = reconcile_reports.find_report(self.conn, shop, day)
        return set() if stored is None else reconcile_reports.mismatch_keys(stored)

    def replace_sku_index(self, shop: str, rows: Sequence[IndexedVariant]) -> None:
        sku_index.replace(self.conn, shop, rows, now=self.now)

    def update_sku_index(self, shop: str, product_ids: Sequence[str], rows: Sequence[IndexedVariant]) -> None:
        sku_index.update(self.conn, shop, product_ids, rows, now=self.now)

    def sku_index_duplicates(self, shop: str) -> dict[str, tuple[IndexedVariant, ...]]:
        return sku_index.duplicate_rows(self.conn, shop)

    def sku_index_products(self, shop: str, skus: Sequence[str]) -> set[str]:
        return sku_index.products_with_skus(self.conn, shop, skus)

    def orders_received(self, shop: str, kind: str) -> list[str]:
        return stock_store.orders_received(self.conn, shop, kind)

    def claim_order_version(self, shop: str, version: OrderVersion) -> bool:
        marker = order_version_marker(shop, version.key)
        return insert_event(self.conn, marker, now=self.now) is not None

    def order_sync_statuses(self, shop: str, order_ids: Sequence[str]) -> dict[str, SyncStatus]:
        return order_statuses.sync_statuses(self.conn, shop, order_ids)


def _sync_values(sync: OrderSync, now: datetime) -> dict[str, Any]:
    return {
        "shop": sync.shop,
        "order_id": sync.order_id,
        "name": sync.name,
        "status": sync.status.value,
        "erp_id": sync.erp_id,
        "erp_number": sync.erp_number,
        "customer_account": sync.customer_account,
        "fingerprint": sync.fingerprint,
        "posted_at": sync.posted_at,
        "missing_skus": list(sync.missing_skus),
        "written_back": int(sync.written_back),
        "written_version": sync.written_version,
        "amendments": sync.amendments,
        "updated_at": now,
    }


def sync_from_row(row: sa.RowMapping) -> OrderSync:
    return OrderSync(
        shop=row["shop"],
        order_id=row["order_id"],
        name=row["name"],
        status=SyncStatus(row["status"]),
        erp_id=row["erp_id"],
        erp_number=row["erp_number"],
        customer_account=row["customer_account"],
        fingerprint=row["fingerprint"],
        posted_at=row["posted_at"],
        missing_skus=tuple(row["missing_skus"] or ()),
        written_back=bool(row["written_back"]),
        written_version=row["written_version"],
        amendments=int(row["amendments"]),
        updated_at=row["updated_at"],
    )
