"""The unit of work of a flow in dry run: it must not store what would stop the live run writing.

A dry run's answers (``dry-run:...`` ids, levels "set", prices "pushed") were never written to either
system. Stored as the live run stores them, the live run would find the order "posted", the payout
"settled", the level "pushed", and never really write them. So, inside a dry-run transaction:

- reads, the trail, problems and follow-up jobs pass through (a dry-run trail step says ``dry_run``);
- a sync record, link or payout record carrying a ``dry-run:`` id is not stored; nor is any record of
  what shopbridge wrote to Shopify (pushed levels and prices, activations, catalogue gates, the ERP
  levels the stock push compares against);
- cursors are kept under ``dryrun:<name>``, so a dry run's reading never moves the live watermark.

Every method of the :class:`~shopbridge.ports.store.Transaction` port is either listed in
:data:`PASS_THROUGH` or written out below (``tests/dryrun/test_uow.py`` enumerates the port).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from typing import Any, cast

from shopbridge.domain.catalogue import Gate
from shopbridge.domain.order_sync import OrderSync
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.payout_state import PayoutRecord
from shopbridge.domain.price_lists import FixedPrice
from shopbridge.dryrun import DRY_RUN_PREFIX
from shopbridge.ports.store import Transaction, UnitOfWork

__all__ = ["CURSOR_PREFIX", "PASS_THROUGH", "DryRunTransaction", "DryRunUnitOfWork"]

CURSOR_PREFIX = "dryrun:"

# What a dry run may read and write as the live run does: reads, and records of what it saw or did
# in shopbridge itself (problems, the trail, follow-up jobs, the catalogue's duplicate SKUs, the
# variants read from Shopify, the orders waiting for the ERP, the reconciliation's reports).
PASS_THROUGH = frozenset(
    {
        "order_sync",
        "quarantined_orders",
        "report_problem",
        "resolve_problems",
        "enqueue",
        "catalogue_gates",
        "duplicate_skus",
        "replace_duplicate_skus",
        "order_sync_named",
        "linked_shopify_id",
        "pushed_prices",
        "expected_stock",
        "find_link",
        "payout_record",
        "linked_erp_id",
        "erp_free",
        "orders_not_in_erp",
        "pending_lines",
        "replace_pending",
        "stock_items",
        "save_stock_items",
        "last_pushed",
        "pushed_quantities",
        "activated",
        "save_reconcile_report",
        "reconcile_trend",
        "reconciled_mismatches",
        "replace_sku_index",
        "update_sku_index",
        "sku_index_duplicates",
        "sku_index_products",
        "orders_received",
        "order_sync_statuses",
    }
)


def _dry(value: str) -> bool:
    return value.startswith(DRY_RUN_PREFIX)


class DryRunTransaction:
    """A live transaction, minus the state a dry run must not leave behind."""

    def __init__(self, inner: Transaction) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name in PASS_THROUGH:
            return getattr(self._inner, name)
        raise AttributeError(f"{name} is not allowed in a dry run (see shopbridge.dryrun.uow)")

    def add_trail(self, shop: str, order_id: str, step: str, detail: Mapping[str, Any]) -> None:
        self._inner.add_trail(shop, order_id, step, {**detail, "dry_run": True})

    def save_order_sync(self, sync: OrderSync) -> None:
        if not (_dry(sync.erp_id) or _dry(sync.erp_number)):
            self._inner.save_order_sync(sync)  # quarantined, or found already in the ERP: real facts

    def link(self, entity_type: str, shop: str, shopify_id: str, erp_id: str, erp_reference: str) -> None:
        if not (_dry(erp_id) or _dry(shopify_id)):
            self._inner.link(entity_type, shop, shopify_id, erp_id, erp_reference)

    def save_payout_record(self, record: PayoutRecord) -> None:
        if not (_dry(record.erp_id) or _dry(record.erp_reference)):
            self._inner.save_payout_record(record)

    def cursor(self, name: str) -> str | None:
        return self._inner.cursor(CURSOR_PREFIX + name)

    def set_cursor(self, name: str, value: str) -> None:
        self._inner.set_cursor(CURSOR_PREFIX + name, value)

    # What shopbridge wrote to Shopify, or the ERP levels it last pushed from: none of it happened.

    def save_gate(self, shop: str, gate: Gate) -> None:
        pass

    def drop_gate(self, shop: str, product_id: str) -> None:
        pass

    def record_pushed_prices(
        self, shop: str, price_list_id: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        pass

    def keep_erp_levels(self, levels: Mapping[tuple[str, str], Decimal]) -> None:
        pass

    def claim_order_version(self, shop: str, version: OrderVersion) -> bool:
        return False  # the write-back that made this version did not happen

    def record_pushed(
        self, shop: str, location_id: str, inventory_item_id: str, sku: str, quantity: int
    ) -> None:
        pass

    def mark_activated(self, shop: str, location_id: str, inventory_item_id: str) -> None:
        pass


class DryRunUnitOfWork:
    """Opens the live unit of work's transactions, each seen through :class:`DryRunTransaction`."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner

    def begin(self) -> AbstractContextManager[Transaction]:
        return self._begin()

    @contextmanager
    def _begin(self) -> Iterator[Transaction]:
        with self._inner.begin() as tx:
            yield cast(Transaction, DryRunTransaction(tx))
