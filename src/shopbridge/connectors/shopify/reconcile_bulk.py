"""The daily reconciliation's Shopify orders in one bulk operation, instead of one ``order`` read each.

The bulk query asks, for the orders created in the day (the same search as ``reconcile_reads``),
what ``queries/order_by_id.graphql`` asks of one order, its fragments included. Its three nested
connections (line items, shipping lines, fulfilment orders; four with ``orders``, within Shopify's
five, two levels deep) come back as JSONL lines of their own naming their order in ``__parentId``;
each order is put back together in the shape ``order_by_id`` answers and translated by the same
``order_from_graphql``. Refunds cannot ride along: ``refundLineItems`` is a connection inside the
``refunds`` list, and Shopify refuses a bulk query with a connection inside a list field; so the
refunded orders' refunded units (to read them as sold) are read beside the run, 22 orders a read,
with each refund's total and units only (``refund_totals``), for those orders only.

The reconciliation needs the refunds of the orders refunded since the day began too (its refunds
checkpoint), so ``orders_and_refunds_created_in_bulk`` lists those orders and reads their refunds
while Shopify runs the bulk operation (the wait costs nothing, the reads are paced by cost), then
only the day's refunded orders not already read: each refunded order's refunds are read once.

Outside the cost limit: the bulk run costs one mutation and a few polls, whatever the day's size.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from importlib import resources
from typing import Any, Protocol

from shopbridge.connectors.shopify.bulk import GraphQLClient, start_bulk_query, stream_jsonl, wait_for_bulk
from shopbridge.connectors.shopify.orders import refunded_order
from shopbridge.connectors.shopify.reconcile_reads import created_query
from shopbridge.connectors.shopify.refund_totals import BATCH, refund_totals_of_orders, units_refunded
from shopbridge.connectors.shopify.refunds import refunded_orders_since
from shopbridge.connectors.shopify.translate import order_from_graphql
from shopbridge.domain.records import Order, RefundTotal
from shopbridge.ports.shopify import RefundedOrder, ShopifyDayRead

__all__ = [
    "day_orders_query",
    "orders_and_refunds_created_in_bulk",
    "orders_created_in_bulk",
    "orders_from_lines",
]

# The nested connections, by the type their nodes' GIDs name, and the key order_by_id puts them under.
_CHILDREN = {
    "LineItem": "lineItems",
    "ShippingLine": "shippingLines",
    "FulfillmentOrder": "fulfillmentOrders",
}

_ORDER_FIELDS = """
    id name email note createdAt updatedAt cancelledAt currencyCode presentmentCurrencyCode test
    taxesIncluded displayFinancialStatus displayFulfillmentStatus
    totalPriceSet { ...Bag } subtotalPriceSet { ...Bag } totalTaxSet { ...Bag } totalDiscountsSet { ...Bag }
    purchasingEntity { __typename ... on PurchasingCompany { company { id } } }
    retailLocation { id }
    fulfillmentOrders { edges { node { id assignedLocation { location { id } } } } }
    customer { id firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
    shippingAddress { ...Address }
    billingAddress { ...Address }
    lineItems { edges { node {
        id sku title quantity currentQuantity requiresShipping isGiftCard variant { id }
        originalUnitPriceSet { ...Bag } taxLines { ...Tax } discountAllocations { ...Discount }
    } } }
    shippingLines { edges { node {
        id title code originalPriceSet { ...Bag } taxLines { ...Tax } discountAllocations { ...Discount }
    } } }
    transactions(first: 20) { id kind status gateway amountSet { ...Bag } }
"""


def _fragments() -> str:
    """order_by_id's fragments (Money, Bag, Tax, Discount, Address): one definition of each."""
    text = (
        resources.files("shopbridge.connectors.shopify").joinpath("queries/order_by_id.graphql").read_text()
    )
    return text[text.index("fragment ") :]


def day_orders_query(start: datetime, end: datetime) -> str:
    search = created_query(start, end).replace('"', '\\"')
    return f'{{ orders(query: "{search}") {{ edges {{ node {{ {_ORDER_FIELDS} }} }} }} }}\n{_fragments()}'


def orders_from_lines(lines: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """The orders of a bulk result, each shaped as ``order_by_id`` answers it.

    Shopify writes a child's line after its parent's but not necessarily next to it, so every order
    is held until the file ends (the day's orders, not the shop's)."""
    orders: dict[str, dict[str, Any]] = {}
    for line in lines:
        parent = line.get("__parentId")
        if parent is None:
            order = dict(line)
            for key in _CHILDREN.values():
                order[key] = {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
            orders[str(line["id"])] = order
            continue
        kind = str(line.get("id", "")).removeprefix("gid://shopify/").split("/", 1)[0]
        child = {k: v for k, v in line.items() if k != "__parentId"}
        orders[str(parent)][_CHILDREN[kind]]["nodes"].append(child)
    yield from orders.values()


class _Client(GraphQLClient, Protocol):
    shop_domain: str


def orders_created_in_bulk(
    client: _Client,
    start: datetime,
    end: datetime,
    *,
    interval: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Order]:
    """The day's orders, read as sold: one bulk query, then the refunded ones' refunds."""
    return orders_and_refunds_created_in_bulk(client, start, end, None, interval=interval, sleep=sleep).orders


def orders_and_refunds_created_in_bulk(
    client: _Client,
    start: datetime,
    end: datetime,
    refunded_since: datetime | None,
    *,
    ready: Callable[[list[Order]], None] | None = None,
    interval: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> ShopifyDayRead:
    """The day's orders read as sold; the orders refunded since ``refunded_since`` (``None``: not
    listed); the refunds of both, their totals and units (``refund_totals``), keyed by order id.

    From the moment the bulk operation starts, one thread lists the refunded orders page by page and
    another reads the refunds of each page's orders as they come: those reads are paced by Shopify's
    cost budget and its answers (mostly waiting), so the bulk run, its file and the translation of
    the orders without refunds go on meanwhile (the client is thread-safe). ``ready`` is then given,
    on this thread, the orders without refunds, then the day's refunded orders ``HAND_OVER`` at a
    time as their refunds come in, while the rest are still being read; those left are in the read."""
    operation = start_bulk_query(client, day_orders_query(start, end))
    pages: queue.SimpleQueue[list[RefundedOrder] | None] = queue.SimpleQueue()
    read: queue.SimpleQueue[dict[str, tuple[RefundTotal, ...]] | None] = queue.SimpleQueue()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="shopify-day-refunds") as pool:
        listing = pool.submit(_list_refunded, client, refunded_since, pages)
        reading = pool.submit(_refunds_as_listed, client, pages, read)
        done = wait_for_bulk(client, operation.id, interval=interval, sleep=sleep)
        nodes = list(orders_from_lines(stream_jsonl(done.url))) if done.url else []  # no file: no order
        day = _DayOrders(client.shop_domain, nodes)
        if ready is not None:
            ready(day.without_refunds())
        day.translate_as_read(read, ready)
        refunded_orders = listing.result()
        refunds = reading.result()
    refunds.update(refund_totals_of_orders(client, day.unread(refunds)))
    return ShopifyDayRead(day.orders(refunds), refunded_orders, refunds)


HAND_OVER = 500  # refunded orders handed over at a time: a batch of the ERP's reads, not one read's orders


class _DayOrders:
    """The day's orders from the bulk file, each translated once, as soon as it can be: those without
    refunds at once, the refunded ones once their refunds are read."""

    def __init__(self, shop: str, nodes: list[dict[str, Any]]) -> None:
        self._shop = shop
        self._nodes = nodes
        self._refunded = {str(node["id"]): node for node in nodes if refunded_order(node)}
        self._sold = {
            str(node["id"]): order_from_graphql(node, shop=shop) for node in nodes if not refunded_order(node)
        }
        self._without_refunds = list(self._sold.values())

    def without_refunds(self) -> list[Order]:
        return list(self._without_refunds)

    def translate_as_read(
        self,
        read: queue.SimpleQueue[dict[str, tuple[RefundTotal, ...]] | None],
        ready: Callable[[list[Order]], None] | None,
    ) -> None:
        """The day's refunded orders translated as ``read`` brings their refunds (until ``None``),
        handed to ``ready`` ``HAND_OVER`` at a time."""
        waiting: list[Order] = []
        while (batch := read.get()) is not None:
            waiting += [
                self._translate(order_id, refunds)
                for order_id, refunds in batch.items()
                if order_id in self._refunded and order_id not in self._sold
            ]
            if ready is not None and len(waiting) >= HAND_OVER:
                ready(waiting)
                waiting = []

    def unread(self, refunds: Mapping[str, tuple[RefundTotal, ...]]) -> list[str]:
        """The day's refunded orders whose refunds are not in ``refunds`` (not listed as refunded)."""
        return [order_id for order_id in self._refunded if order_id not in refunds]

    def orders(self, refunds: Mapping[str, tuple[RefundTotal, ...]]) -> list[Order]:
        """Every order of the day, in the file's order, read as sold."""
        return [
            self._sold.get(order_id) or self._translate(order_id, refunds.get(order_id, ()))
            for order_id in (str(node["id"]) for node in self._nodes)
        ]

    def _translate(self, order_id: str, refunds: tuple[RefundTotal, ...]) -> Order:
        node = self._refunded[order_id]
        order = order_from_graphql(node, shop=self._shop, refunded_units=units_refunded(refunds))
        self._sold[order_id] = order
        return order


def _list_refunded(
    client: _Client, since: datetime | None, pages: queue.SimpleQueue[list[RefundedOrder] | None]
) -> tuple[RefundedOrder, ...]:
    """The refunded orders since ``since``, each page also handed to ``pages``; ``None`` ends them."""
    try:
        return () if since is None else refunded_orders_since(client, since, on_page=pages.put)
    finally:
        pages.put(None)


def _refunds_as_listed(
    client: _Client,
    pages: queue.SimpleQueue[list[RefundedOrder] | None],
    read: queue.SimpleQueue[dict[str, tuple[RefundTotal, ...]] | None] | None = None,
) -> dict[str, tuple[RefundTotal, ...]]:
    """The refunds of the orders ``pages`` brings, a full batch a read as soon as one is listed;
    each read's also handed to ``read``, ``None`` ending them (however the reads end)."""
    found: dict[str, tuple[RefundTotal, ...]] = {}
    waiting: list[str] = []

    def read_refunds(order_ids: list[str]) -> None:
        batch = refund_totals_of_orders(client, order_ids)
        found.update(batch)
        if read is not None:
            read.put(batch)

    try:
        while (page := pages.get()) is not None:
            waiting += [r.order_id for r in page if r.order_id not in found and r.order_id not in waiting]
            while len(waiting) >= BATCH:
                read_refunds(waiting[:BATCH])
                del waiting[:BATCH]
        read_refunds(waiting)
        return found
    finally:
        if read is not None:
            read.put(None)
