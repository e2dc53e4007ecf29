"""The ports in dry run: reads go to the real system, every write is recorded as a "would do".

Each method of :class:`~shopbridge.ports.erp.ErpPort` and of the Shopify ports is written out here,
marked :func:`_reads` or :func:`_would_do`; nothing is forwarded by ``__getattr__``, so a method
added to a port later is not silently written through (``tests/dryrun/test_ports.py`` enumerates the
ports' methods and fails on any this module does not wrap). A write returns a plausible answer so the
flow carries on: documents get the id ``dry-run:<reference>``, which the dry-run unit of work never
stores as a link (``uow.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from shopbridge.domain.catalogue import CatalogueProduct
from shopbridge.domain.fulfilment import FulfilmentRequest, OrderFulfilments, ShippedFulfilment
from shopbridge.domain.money import Money
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.orders import FieldLimits
from shopbridge.domain.ownership import FieldChange
from shopbridge.domain.price_lists import FixedPrice, ShopifyPriceList
from shopbridge.domain.records import (
    BalanceTransaction,
    CreditNote,
    Customer,
    Dispatch,
    Item,
    JournalEntry,
    Order,
    Payout,
    PriceList,
    Refund,
    SalesOrder,
    SalesOrderRequest,
    StockLevel,
)
from shopbridge.domain.stock import StockItem
from shopbridge.domain.stock_audit import Drift, ShopifyLevel
from shopbridge.dryrun import DRY_RUN_PREFIX
from shopbridge.dryrun.payload import jsonable
from shopbridge.ports.erp import (
    Capability,
    CustomerMatch,
    CustomerMissing,
    ErpHealth,
    ErpPort,
    ErpReconcileReads,
    HeldCreditNote,
    HeldOrder,
    Page,
    PostedDocument,
)
from shopbridge.ports.shopify import LevelWrite, RefundedOrder, ShopifyPort

__all__ = ["DryRunErp", "DryRunReconcilableErp", "DryRunShopify", "WouldDoRecorder", "dry_run_erp", "kind_of"]

F = TypeVar("F", bound=Callable[..., Any])


class WouldDoRecorder(Protocol):
    """Where a write the dry run did not make is kept (the entity's trail, in ``recorder.py``)."""

    def record(self, kind: str, entity_id: str, payload: dict[str, Any]) -> None: ...


def _reads(method: F) -> F:
    """Marks a method that only reads: it is passed to the real system."""
    method.__dry_run__ = "read"  # type: ignore[attr-defined]
    return method


def _would_do(kind: str) -> Callable[[F], F]:
    """Marks a method that writes: the dry run records it as ``kind`` instead."""

    def mark(method: F) -> F:
        method.__dry_run__ = f"write:{kind}"  # type: ignore[attr-defined]
        return method

    return mark


def kind_of(method: object) -> str:
    """``read``, ``write:<kind>``, or ``""`` for a method this module did not mark."""
    return str(getattr(method, "__dry_run__", ""))


def _dry_id(*parts: str) -> str:
    return DRY_RUN_PREFIX + ":".join(part for part in parts if part)


class DryRunErp:
    """An ERP adapter that reads from ``inner`` and records every write on ``recorder``."""

    def __init__(self, inner: ErpPort, recorder: WouldDoRecorder) -> None:
        self.inner = inner
        self.recorder = recorder
        self.vendor: str = inner.vendor
        self.field_limits: FieldLimits = inner.field_limits

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self.inner.capabilities

    @_reads
    def check(self) -> ErpHealth:
        return self.inner.check()

    @_reads
    def items_changed(self, cursor: str | None, limit: int = 100) -> Page[Item]:
        return self.inner.items_changed(cursor, limit)

    @_reads
    def get_items(self, skus: Sequence[str]) -> dict[str, Item]:
        return self.inner.get_items(skus)

    @_reads
    def stock_changed(self, cursor: str | None, limit: int = 100) -> Page[StockLevel]:
        return self.inner.stock_changed(cursor, limit)

    @_reads
    def price_lists(self) -> Sequence[PriceList]:
        return self.inner.price_lists()

    @_would_do("erp.create_customer")
    def find_or_create_customer(self, customer: Customer, *, create: bool = True) -> CustomerMatch:
        """Finds for real; a customer the ERP lacks would be created (when ``create``)."""
        try:
            return self.inner.find_or_create_customer(customer, create=False)
        except CustomerMissing:
            if not create:
                raise
        self.recorder.record("erp.create_customer", customer.email, {"customer": jsonable(customer)})
        return CustomerMatch(account=_dry_id("customer", customer.email), created=True)

    @_reads
    def check_credit(self, account: str, amount_due: Money) -> None:
        if not account.startswith(DRY_RUN_PREFIX):  # a customer the dry run only would create
            self.inner.check_credit(account, amount_due)

    @_reads
    def find_sales_order(self, reference: str) -> SalesOrder | None:
        return self.inner.find_sales_order(reference)

    @_would_do("erp.create_sales_order")
    def create_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        """An order the ERP has already (the retailer's own process) is answered as it is."""
        existing = self.inner.find_sales_order(order.reference)
        if existing is not None:
            return PostedDocument(erp_id=existing.erp_id, number=existing.erp_number, existed=True)
        self.recorder.record("erp.create_sales_order", order.reference, {"order": jsonable(order)})
        return PostedDocument(erp_id=_dry_id("order", order.reference), number=_dry_id(order.reference))

    @_would_do("erp.amend_sales_order")
    def amend_sales_order(self, order: SalesOrderRequest) -> PostedDocument:
        self.recorder.record("erp.amend_sales_order", order.reference, {"order": jsonable(order)})
        return PostedDocument(erp_id=_dry_id("order", order.reference), number=_dry_id(order.reference))

    @_would_do("erp.cancel_sales_order")
    def cancel_sales_order(self, reference: str, reason: str = "") -> PostedDocument:
        self.recorder.record("erp.cancel_sales_order", reference, {"reference": reference, "reason": reason})
        return PostedDocument(erp_id=_dry_id("order", reference), number=_dry_id(reference))

    @_reads
    def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
        return self.inner.dispatches_since(cursor, limit)

    @_would_do("erp.create_credit_note")
    def create_credit_note(self, note: CreditNote) -> PostedDocument:
        self.recorder.record("erp.create_credit_note", note.order_reference, {"credit_note": jsonable(note)})
        return PostedDocument(
            erp_id=_dry_id("credit", note.refund_reference), number=_dry_id(note.refund_reference)
        )

    @_would_do("erp.post_payout")
    def post_payout(self, entry: JournalEntry) -> PostedDocument:
        self.recorder.record("erp.post_payout", entry.reference, {"entry": jsonable(entry)})
        return PostedDocument(erp_id=_dry_id("payout", entry.reference), number=_dry_id(entry.reference))

    def close(self) -> None:
        """Nothing of ours to close: the inner adapter belongs to the services that built it."""


class DryRunReconcilableErp(DryRunErp):
    """The same, over an adapter that can read credit notes back for the daily reconciliation."""

    def __init__(self, inner: ErpPort, recorder: WouldDoRecorder) -> None:
        super().__init__(inner, recorder)
        assert isinstance(inner, ErpReconcileReads)
        self.reconcile_reads: ErpReconcileReads = inner

    @_reads
    def credit_notes_held(self, refunds: Sequence[tuple[str, str]]) -> dict[str, HeldCreditNote]:
        return self.reconcile_reads.credit_notes_held(refunds)

    @_reads
    def orders_held(self, references: Sequence[str]) -> dict[str, list[HeldOrder]]:
        return self.reconcile_reads.orders_held(references)


def dry_run_erp(inner: ErpPort, recorder: WouldDoRecorder) -> DryRunErp:
    """The dry-run wrapper answering the same optional protocols as ``inner``."""
    if isinstance(inner, ErpReconcileReads):
        return DryRunReconcilableErp(inner, recorder)
    return DryRunErp(inner, recorder)


class _ShopifyAll(ShopifyPort, Protocol):
    """The Shopify client as bootstrap builds it: every Shopify port at once."""

    def stock_items(self, skus: Sequence[str]) -> list[StockItem]: ...
    def available_levels(
        self, inventory_item_ids: Sequence[str], location_id: str
    ) -> dict[str, int | None]: ...
    def activate_inventory(self, inventory_item_id: str, location_id: str) -> int: ...
    def set_available(self, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]: ...
    def orders_created_between(self, start: datetime, end: datetime) -> tuple[str, ...]: ...
    def products_updated_since(self, since: datetime) -> tuple[str, ...]: ...
    def existing_products(self, product_ids: Sequence[str]) -> frozenset[str]: ...
    def catalogue_products(
        self, product_ids: Sequence[str], *, page_size: int = 100
    ) -> list[CatalogueProduct]: ...


class DryRunShopify:
    """A Shopify store that reads from ``inner`` (the GraphQL client) and records every write."""

    def __init__(self, inner: Any, recorder: WouldDoRecorder) -> None:
        self.inner: _ShopifyAll = inner
        self.recorder = recorder

    # -- orders and write-back -----------------------------------------------------------------

    @_reads
    def order(self, order_id: str) -> Order | None:
        return self.inner.order(order_id)

    @_would_do("shopify.record_erp_order")
    def record_erp_order(self, order_id: str, erp_number: str) -> OrderVersion | None:
        self.recorder.record(
            "shopify.record_erp_order", order_id, {"order_id": order_id, "erp_number": erp_number}
        )
        return None

    # -- the catalogue ---------------------------------------------------------------------------

    @_reads
    def catalogue(self, *, page_size: int = 100) -> list[CatalogueProduct]:
        return self.inner.catalogue(page_size=page_size)

    @_reads
    def products_updated_since(self, since: datetime) -> tuple[str, ...]:
        return self.inner.products_updated_since(since)

    @_reads
    def existing_products(self, product_ids: Sequence[str]) -> frozenset[str]:
        return self.inner.existing_products(product_ids)

    @_reads
    def catalogue_products(
        self, product_ids: Sequence[str], *, page_size: int = 100
    ) -> list[CatalogueProduct]:
        return self.inner.catalogue_products(product_ids, page_size=page_size)

    @_would_do("shopify.set_product_status")
    def set_product_status(self, product_id: str, status: str) -> None:
        self.recorder.record(
            "shopify.set_product_status", product_id, {"product_id": product_id, "status": status}
        )

    @_reads
    def product_publications(self, product_id: str) -> tuple[str, ...]:
        return self.inner.product_publications(product_id)

    @_would_do("shopify.unpublish_product")
    def unpublish_product(self, product_id: str, publications: Sequence[str]) -> None:
        payload = {"product_id": product_id, "publications": list(publications)}
        self.recorder.record("shopify.unpublish_product", product_id, payload)

    @_would_do("shopify.publish_product")
    def publish_product(self, product_id: str, publications: Sequence[str]) -> None:
        payload = {"product_id": product_id, "publications": list(publications)}
        self.recorder.record("shopify.publish_product", product_id, payload)

    @_would_do("shopify.push_product_fields")
    def push_product_fields(self, product_id: str, changes: Sequence[FieldChange]) -> None:
        payload = {"product_id": product_id, "changes": jsonable(list(changes))}
        self.recorder.record("shopify.push_product_fields", product_id, payload)

    # -- B2B price lists --------------------------------------------------------------------------

    @_reads
    def variant_ids_by_sku(self, skus: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return self.inner.variant_ids_by_sku(skus)

    @_reads
    def company_location_ids(self, company_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return self.inner.company_location_ids(company_ids)

    @_reads
    def price_list(self, price_list_id: str) -> ShopifyPriceList | None:
        if price_list_id.startswith(DRY_RUN_PREFIX):
            return None
        return self.inner.price_list(price_list_id)

    @_reads
    def price_list_named(self, name: str) -> ShopifyPriceList | None:
        return self.inner.price_list_named(name)

    @_would_do("shopify.create_price_list")
    def create_price_list(self, name: str, currency: str, adjustment_percent: Decimal) -> ShopifyPriceList:
        payload = {"name": name, "currency": currency, "adjustment_percent": str(adjustment_percent)}
        self.recorder.record("shopify.create_price_list", name, payload)
        return ShopifyPriceList(id=_dry_id("price-list", name), name=name, currency=currency)

    @_would_do("shopify.create_catalog")
    def create_catalog(self, title: str, price_list_id: str, location_ids: Sequence[str]) -> str:
        payload = {"title": title, "price_list_id": price_list_id, "location_ids": list(location_ids)}
        self.recorder.record("shopify.create_catalog", price_list_id, payload)
        return _dry_id("catalog", title)

    @_would_do("shopify.update_catalog_locations")
    def update_catalog_locations(self, catalog_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        payload = {"catalog_id": catalog_id, "add": list(add), "remove": list(remove)}
        self.recorder.record("shopify.update_catalog_locations", catalog_id, payload)

    @_would_do("shopify.update_fixed_prices")
    def update_fixed_prices(
        self, price_list_id: str, currency: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        payload = {
            "price_list_id": price_list_id,
            "currency": currency,
            "upserts": jsonable(list(upserts)),
            "deletes": list(deletes),
        }
        self.recorder.record("shopify.update_fixed_prices", price_list_id, payload)

    # -- the full stock audit ---------------------------------------------------------------------

    @_reads
    def start_inventory_read(self) -> str:
        return self.inner.start_inventory_read()  # a bulk *query*: it reads, it changes nothing

    @_reads
    def wait_inventory_read(self, operation_id: str, *, progress: Callable[[int], None] | None = None) -> int:
        return self.inner.wait_inventory_read(operation_id, progress=progress)

    @_reads
    def inventory_levels(self, operation_id: str) -> Iterator[ShopifyLevel]:
        return self.inner.inventory_levels(operation_id)

    @_would_do("shopify.repair_inventory_levels")
    def repair_inventory_levels(self, drifts: Sequence[Drift], *, key: str) -> int:
        self.recorder.record("shopify.repair_inventory_levels", key, {"drifts": jsonable(list(drifts))})
        return len(drifts)

    # -- payouts ----------------------------------------------------------------------------------

    @_reads
    def payouts(self, issued_since: date | None) -> list[Payout]:
        return self.inner.payouts(issued_since)

    @_reads
    def payout_transactions(self, payout_id: str) -> list[BalanceTransaction]:
        return self.inner.payout_transactions(payout_id)

    # -- fulfilments and refunds --------------------------------------------------------------------

    @_reads
    def order_fulfilments(self, order_id: str) -> OrderFulfilments | None:
        return self.inner.order_fulfilments(order_id)

    @_reads
    def fulfilments_made(self, order_id: str) -> tuple[ShippedFulfilment, ...]:
        return self.inner.fulfilments_made(order_id)

    @_would_do("shopify.move_fulfilment_order")
    def move_fulfilment_order(
        self, fulfilment_order_id: str, location_id: str, lines: tuple[tuple[str, int], ...]
    ) -> None:
        payload = {
            "fulfilment_order_id": fulfilment_order_id,
            "location_id": location_id,
            "lines": jsonable(lines),
        }
        self.recorder.record("shopify.move_fulfilment_order", fulfilment_order_id, payload)

    @_would_do("shopify.create_fulfilment")
    def create_fulfilment(self, request: FulfilmentRequest) -> str:
        payload = {"request": jsonable(request)}
        entity = str(getattr(request, "order_id", "")) or "fulfilment"
        self.recorder.record("shopify.create_fulfilment", entity, payload)
        return _dry_id("fulfilment", entity)

    @_reads
    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        return self.inner.order_refunds(order_id)

    @_reads
    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        return self.inner.refunded_orders_since(since)

    # -- inventory (the stock push) -----------------------------------------------------------------

    @_reads
    def stock_items(self, skus: Sequence[str]) -> list[StockItem]:
        return self.inner.stock_items(skus)

    @_reads
    def available_levels(self, inventory_item_ids: Sequence[str], location_id: str) -> dict[str, int | None]:
        return self.inner.available_levels(inventory_item_ids, location_id)

    @_would_do("shopify.activate_inventory")
    def activate_inventory(self, inventory_item_id: str, location_id: str) -> int:
        payload = {"inventory_item_id": inventory_item_id, "location_id": location_id}
        self.recorder.record("shopify.activate_inventory", inventory_item_id, payload)
        return 0  # a newly stocked item has nothing available until a level is set

    @_would_do("shopify.set_available")
    def set_available(self, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]:
        for write in writes:  # one would-do per item, so each lands on that item's trail
            self.recorder.record(
                "shopify.set_available", write.inventory_item_id, {"write": jsonable(write), "key": key}
            )
        return []  # as Shopify answers when every write applied

    # -- the daily reconciliation ---------------------------------------------------------------------

    @_reads
    def orders_created_between(self, start: datetime, end: datetime) -> tuple[str, ...]:
        return self.inner.orders_created_between(start, end)

    def close(self) -> None:
        """Nothing of ours to close: the inner client belongs to the services that built it."""
