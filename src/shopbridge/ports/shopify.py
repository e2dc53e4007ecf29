"""The Shopify port: what flows need from a Shopify store, in canonical records.

The GraphQL client (:class:`shopbridge.connectors.shopify.client.ShopifyClient`) implements it; tests
may use any object with these methods. Each method translates Shopify's shapes and errors at the
connector's boundary, exactly as the ERP port does: transient failures raise
:class:`~shopbridge.errors.RetryLater`, refusals a person must look at raise
:class:`~shopbridge.errors.NeedsPerson`, malformed answers :class:`~shopbridge.errors.BadInput`.
Flows of later issues add the methods they need here, one per thing they move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from shopbridge.domain.catalogue import CatalogueProduct
from shopbridge.domain.fulfilment import FulfilmentRequest, OrderFulfilments, ShippedFulfilment
from shopbridge.domain.order_stock_lines import OrderStockLines
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.ownership import FieldChange
from shopbridge.domain.price_lists import FixedPrice, ShopifyPriceList
from shopbridge.domain.records import BalanceTransaction, Order, Payout, Refund, RefundTotal
from shopbridge.domain.stock import StockItem
from shopbridge.domain.stock_audit import Drift, ShopifyLevel

__all__ = [
    "ERP_ORDER_METAFIELD",
    "ERP_TAG_PREFIX",
    "LevelWrite",
    "RefundedOrder",
    "ShopifyBulkDayReads",
    "ShopifyBulkDayRefunds",
    "ShopifyCatalogueChanges",
    "ShopifyCollectionBulkReads",
    "ShopifyDayRead",
    "ShopifyInventoryPort",
    "ShopifyPendingOrderReads",
    "ShopifyPort",
    "ShopifyRefundBatchReads",
    "StockItem",
]

ERP_ORDER_METAFIELD = ("shopbridge", "erp_order")  # namespace, key of the ERP number on the order
ERP_TAG_PREFIX = "ERP:"  # the ERP number as an order tag, searchable in Shopify's admin


@dataclass(frozen=True)
class RefundedOrder:
    """An order with refunds, as the refunds sweep finds it: its GID and when it last changed."""

    order_id: str
    updated_at: datetime


@runtime_checkable
class ShopifyPort(Protocol):
    """One Shopify store, as the flows see it."""

    def order(self, order_id: str) -> Order | None:
        """The order as it is now (GID or numeric id), or ``None`` if Shopify no longer has it."""
        ...

    def record_erp_order(self, order_id: str, erp_number: str) -> OrderVersion | None:
        """Write the ERP order number back: the ``shopbridge.erp_order`` metafield and an ``ERP:`` tag.

        Idempotent: writing the same number twice changes nothing. Returns the order's version after
        the write (the tag bumps ``updatedAt``), or ``None`` when Shopify did not say.
        """
        ...

    # -- the catalogue (flows/catalogue_sync.py) ----------------------------------------------

    def catalogue(self, *, page_size: int = 100) -> list[CatalogueProduct]:
        """Every product with all its variants (SKU, price, barcode, weight), read page by page."""
        ...

    def set_product_status(self, product_id: str, status: str) -> None:
        """Set a product's status (ACTIVE, DRAFT, ARCHIVED, UNLISTED); setting the same one is a no-op."""
        ...

    def product_publications(self, product_id: str) -> tuple[str, ...]:
        """The publication (sales channel) GIDs the product is on now."""
        ...

    def unpublish_product(self, product_id: str, publications: Sequence[str]) -> None:
        """Take the product off these sales channels (idempotent)."""
        ...

    def publish_product(self, product_id: str, publications: Sequence[str]) -> None:
        """Put the product back on these sales channels (idempotent)."""
        ...

    def push_product_fields(self, product_id: str, changes: Sequence[FieldChange]) -> None:
        """Write ERP-owned fields of one product: its title, and its variants' price, barcode, weight."""

    # -- B2B price lists (flows/price_lists_to_catalogs.py) ------------------------------------

    def variant_ids_by_sku(self, skus: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The variant GIDs carrying each SKU (several where Shopify has the SKU twice); SKUs no
        variant carries are absent."""
        ...

    def company_location_ids(self, company_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Each company's location GIDs, keyed by the id as given (numeric or GID); unknown
        companies are absent."""
        ...

    def price_list(self, price_list_id: str) -> ShopifyPriceList | None:
        """The price list with its catalog and the catalog's company locations, or ``None``."""
        ...

    def price_list_named(self, name: str) -> ShopifyPriceList | None:
        """The price list called ``name`` (names are unique in a store), or ``None``."""
        ...

    def create_price_list(self, name: str, currency: str, adjustment_percent: Decimal) -> ShopifyPriceList:
        """A new price list; variants without a fixed price get the store's price less the percentage."""
        ...

    def create_catalog(self, title: str, price_list_id: str, location_ids: Sequence[str]) -> str:
        """An active catalog over the price list for these company locations (at least one); its GID."""
        ...

    def update_catalog_locations(self, catalog_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        """Assign and unassign company locations (each list at most 250)."""
        ...

    def update_fixed_prices(
        self, price_list_id: str, currency: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        """Add or replace fixed prices and remove others, in one call (each list at most 250)."""

    # -- the full stock audit (flows/stock_audit.py) ------------------------------------------

    def start_inventory_read(self) -> str:
        """Start a bulk operation reading every inventory level's ``available``; returns its id."""
        ...

    def wait_inventory_read(self, operation_id: str, *, progress: Callable[[int], None] | None = None) -> int:
        """Poll the read with backoff until it completes; returns how many objects it read.

        ``progress`` gets the object count so far at each poll. A read that ends CANCELED or FAILED,
        or runs past the deadline, raises :class:`~shopbridge.errors.RetryLater`.
        """
        ...

    def inventory_levels(self, operation_id: str) -> Iterator[ShopifyLevel]:
        """The levels of a completed read, streamed (memory for one line at a time)."""
        ...

    def repair_inventory_levels(self, drifts: Sequence[Drift], *, key: str) -> int:
        """Set at most 250 drifted levels back to ``expected``, compare-and-swap on ``shopify``.

        Returns how many were set. Levels that moved again since the read are left alone (Shopify
        refuses them as stale); the others of the batch are still set. ``key`` is the idempotency key.
        """

    def payouts(self, issued_since: date | None) -> list[Payout]:
        """Shopify Payments payouts issued on or after ``issued_since`` (all when ``None``), oldest
        first, without their transactions. ``net`` is signed: a withdrawal from the bank is negative."""
        ...

    def payout_transactions(self, payout_id: str) -> list[BalanceTransaction]:
        """Every balance transaction the payout settles, its own transfer row included."""

    # -- fulfilments (the dispatch flow) ---------------------------------------------------------

    def order_fulfilments(self, order_id: str) -> OrderFulfilments | None:
        """The order's lines and fulfilment orders as Shopify has them now (``fulfilments`` empty)."""
        ...

    def fulfilments_made(self, order_id: str) -> tuple[ShippedFulfilment, ...]:
        """The order's fulfilments (status, tracking numbers, units per line item)."""
        ...

    def move_fulfilment_order(
        self, fulfilment_order_id: str, location_id: str, lines: tuple[tuple[str, int], ...]
    ) -> None:
        """``fulfillmentOrderMove``: these fulfilment order lines (id, quantity) to ``location_id``."""
        ...

    def create_fulfilment(self, request: FulfilmentRequest) -> str:
        """``fulfillmentCreate``; returns the fulfilment's GID. Shopify's refusals raise ``NeedsPerson``
        of kind ``FULFILMENT_REJECTED`` with Shopify's words."""

    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        """Every refund of the order, oldest first (none if Shopify no longer has the order)."""
        ...

    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        """Orders updated at or after ``since`` that have refunds (for the refunds sweep)."""
        ...


@dataclass(frozen=True)
class LevelWrite:
    """Set ``available`` of one item at one location to ``quantity`` if Shopify still holds ``expected``."""

    inventory_item_id: str
    location_id: str
    quantity: int
    expected: int


@runtime_checkable
class ShopifyInventoryPort(Protocol):
    """What the stock push needs from a Shopify store (the client implements it with the rest)."""

    def stock_items(self, skus: Sequence[str]) -> list[StockItem]:
        """Every variant carrying one of ``skus`` (a SKU on two variants gives two)."""
        ...

    def available_levels(self, inventory_item_ids: Sequence[str], location_id: str) -> dict[str, int | None]:
        """``available`` per item at the location; ``None`` where the item is not stocked there."""
        ...

    def activate_inventory(self, inventory_item_id: str, location_id: str) -> int:
        """Stock the item at the location (``inventoryActivate``); returns its ``available`` there."""
        ...

    def set_available(self, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]:
        """One ``inventorySetQuantities`` of at most 250 writes, compare-and-swap on ``expected``.

        Shopify applies all or nothing: the writes it refused as stale (``CHANGE_FROM_QUANTITY_STALE``)
        come back and none was applied; an empty list means every write was applied. ``key`` is the
        idempotency key (a retry with changed writes needs a new key).
        """
        ...


@runtime_checkable
class ShopifyReconcileReads(Protocol):
    """What the daily reconciliation reads besides the port above (``connectors/shopify/reconcile_reads``)."""

    def orders_created_between(self, start: datetime, end: datetime) -> tuple[str, ...]:
        """The GIDs of the orders created at or after ``start`` and before ``end``, page by page."""
        ...


@dataclass(frozen=True)
class OrderHeader:
    """One order as Shopify's order listing shows it: enough to find it in the ERP by its name and to
    enqueue the order job for this version (``updated_at`` and the state, as the sweep spells them)."""

    shopify_id: str  # the order's GID
    name: str  # "#1001": the reference the ERP order carries
    created_at: datetime
    updated_at: str
    cancelled_at: str | None = None
    financial_status: str = ""
    current_total: str = ""


@runtime_checkable
class ShopifyOrderHistory(Protocol):
    """What ``shopbridge import orders`` reads (``connectors/shopify/order_history.py``)."""

    def orders_since(self, since: datetime, *, page_size: int = 100) -> Iterator[list[OrderHeader]]:
        """The orders created at or after ``since``, oldest first, one list per page read."""


@runtime_checkable
class ShopifyBulkDayReads(Protocol):
    """The day's orders in one bulk operation (``connectors/shopify/reconcile_bulk``): a large day's
    reconciliation then costs one bulk run, not one ``order`` read per order."""

    def orders_created_in_bulk(self, start: datetime, end: datetime) -> list[Order]:
        """The orders created in ``[start, end)``, read as sold (as ``order`` reads one)."""
        ...


@runtime_checkable
class ShopifyCatalogueChanges(Protocol):
    """What the catalogue sweep reads between whole-catalogue reads (``catalogue_changes.py``): the
    products that changed, then those products whole. A port without it is read whole every sweep."""

    def products_updated_since(self, since: datetime) -> tuple[str, ...]:
        """The GIDs of the products updated at or after ``since`` (``products(query: "updated_at:>=…")``)."""
        ...

    def catalogue_products(
        self, product_ids: Sequence[str], *, page_size: int = 100
    ) -> list[CatalogueProduct]:
        """These products with all their variants, as :meth:`ShopifyPort.catalogue` reads them; a
        product Shopify no longer has is absent."""
        ...

    def existing_products(self, product_ids: Sequence[str]) -> frozenset[str]:
        """Those of ``product_ids`` Shopify still has (a cheap check: no variants are read)."""
        ...


@runtime_checkable
class ShopifyRefundBatchReads(Protocol):
    """The refunds of many orders a read at a time (``connectors/shopify/refunds_batch``): a day of
    5,000 refunded orders costs hundreds of reads, not one ``order_refunds`` read each."""

    def refunds_of_orders(self, order_ids: Sequence[str]) -> dict[str, tuple[Refund, ...]]:
        """Each order's refunds as ``order_refunds`` reads them, keyed by the id given (none when
        Shopify no longer has the order)."""
        ...


@runtime_checkable
class ShopifyCollectionBulkReads(Protocol):
    """Every product's collection handles in one bulk operation (``connectors/shopify/collections_bulk``):
    the catalogue's whole read compares them with the stock items' to find products moved into or out
    of a custom collection, which Shopify does not count as a product update."""

    def collection_handles_in_bulk(self) -> dict[str, tuple[str, ...]]:
        """Each product's collection handles, sorted, by product GID (``()`` for a product in none)."""
        ...


@dataclass(frozen=True)
class ShopifyDayRead:
    """A day's orders with the refunded orders since a time and their refunds, read together."""

    orders: list[Order]  # as ``orders_created_in_bulk`` reads them
    refunded: tuple[RefundedOrder, ...]  # as ``refunded_orders_since`` lists them; () if not asked
    refunds: dict[str, tuple[RefundTotal, ...]]  # each refund's total and units, by order id


@runtime_checkable
class ShopifyBulkDayRefunds(Protocol):
    """The day's orders in one bulk operation together with refunds (``connectors/shopify/reconcile_bulk``):
    the refunded orders are listed and their refunds read while Shopify runs the bulk operation, and
    each refunded order's refunds are read once (for the as-sold read and for the refunds checkpoint)."""

    def orders_and_refunds_created_in_bulk(
        self,
        start: datetime,
        end: datetime,
        refunded_since: datetime | None,
        *,
        ready: Callable[[list[Order]], None] | None = None,
    ) -> ShopifyDayRead:
        """The orders created in ``[start, end)``; the orders refunded since ``refunded_since`` (none
        listed when ``None``); the refunds of those and of every refunded order of the day, each
        with its total and units (``RefundTotal``), not its lines' money.

        ``ready``, if given, is called on the caller's thread with the day's orders as they will be
        in the read, a group at a time, while the refunds are still being read: those without
        refunds as soon as they are read, then refunded ones once their refunds are in; each order
        at most once, and those not handed over are in the read. The caller can compare them
        meanwhile, with no thread of its own."""
        ...


@runtime_checkable
class ShopifyPendingOrderReads(Protocol):
    """The stock-relevant lines of many orders a read at a time (``connectors/shopify/order_lines_batch``):
    a stock sweep at a peak with 1,500 orders the ERP does not hold yet reads them in dozens of
    requests, not one ``order`` read each."""

    def orders_stock_lines(self, order_ids: Sequence[str]) -> dict[str, OrderStockLines]:
        """Each order's lines as ``order`` reads them (as sold), keyed by the id given; an order
        Shopify no longer has is absent."""
        ...
