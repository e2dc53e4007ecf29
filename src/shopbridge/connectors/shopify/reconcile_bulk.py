"""The daily reconciliation's Shopify orders in bulk operations, instead of one ``order`` read each:
one for the day, or one per id range of a large day (``day_slices``).

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
checkpoint). The day's own refunded orders are in its bulk files; the earlier orders refunded since
are listed by a search (``created_before`` the day: pages of a few, not of the day's thousands);
``orders_and_refunds_created_in_bulk`` reads the refunds of both as they come, while Shopify runs the
bulk operations (the wait costs nothing, the reads are paced by cost): each refunded order's refunds
are read once.

Outside the cost limit: a bulk run costs one mutation and a few polls, whatever the day's size.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from importlib import resources
from typing import Any, Protocol

from shopbridge.connectors.shopify.bulk import GraphQLClient, start_bulk_query, stream_jsonl, wait_for_bulk
from shopbridge.connectors.shopify.day_slices import completed, day_searches
from shopbridge.connectors.shopify.orders import refunded_order
from shopbridge.connectors.shopify.reconcile_reads import created_query
from shopbridge.connectors.shopify.refund_totals import BATCH, refund_totals_of_orders, units_refunded
from shopbridge.connectors.shopify.refunds import refunded_orders_since
from shopbridge.connectors.shopify.translate import order_from_graphql, parse_time
from shopbridge.domain.records import Order, RefundTotal
from shopbridge.errors import BadInput
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
    return orders_query(created_query(start, end))


def orders_query(search: str) -> str:
    """The bulk query for the orders ``search`` finds, each as ``order_by_id`` reads one."""
    quoted = search.replace('"', '\\"')
    return f'{{ orders(query: "{quoted}") {{ edges {{ node {{ {_ORDER_FIELDS} }} }} }} }}\n{_fragments()}'


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


POLL_SECONDS = 0.5  # a bulk operation is seen finished (and the next range started) at most this late


class _Client(GraphQLClient, Protocol):
    shop_domain: str


def orders_created_in_bulk(
    client: _Client,
    start: datetime,
    end: datetime,
    *,
    interval: float = POLL_SECONDS,
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
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> ShopifyDayRead:
    """The day's orders read as sold; the orders refunded since ``refunded_since`` (``None``: not
    listed); the refunds of both, their totals and units (``refund_totals``), keyed by order id.

    The day is read in bulk operations over id ranges (one for a small day: ``day_slices``). From
    the start, one thread lists the orders created before the day and refunded since
    ``refunded_since`` page by page, each range brings the day's own refunded orders, and another
    thread reads the refunds of both as they come: those reads are paced by Shopify's cost budget
    and its answers (mostly waiting), so the bulk runs, their files and the orders' translation go
    on meanwhile (the client is thread-safe). ``ready`` is given, on this thread, each range's
    orders without refunds as the range arrives, and refunded orders once their refunds are read,
    ``HAND_OVER`` at a time, while the rest are still being read; those left are in the read."""
    searches = day_searches(client, created_query(start, end))
    pages: queue.SimpleQueue[list[RefundedOrder] | None] = queue.SimpleQueue()
    events = _Events()
    day = _DayOrders(client.shop_domain, len(searches), pages.put)
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="shopify-day") as pool:
        listing = pool.submit(_list_refunded, client, refunded_since, start, pages)
        reading = pool.submit(_refunds_as_listed, client, pages, events, _LISTS)
        slicing = pool.submit(_read_slices, client, searches, events, interval, sleep)
        try:
            day.take_in(events, ready)
        except BaseException:
            pages.put(None)  # the refund reads wait for the ranges' list to end: end it, or they never do
            raise
        slicing.result()
        earlier = listing.result()
        refunds = reading.result()
    refunds.update(refund_totals_of_orders(client, day.unread(refunds)))
    refunded = _oldest_change_first([*earlier, *day.refunded(refunded_since)]) if refunded_since else ()
    return ShopifyDayRead(day.orders(refunds), refunded, refunds)


HAND_OVER = 500  # refunded orders handed over at a time: a batch of the ERP's reads, not one read's orders

_Batch = dict[str, tuple[RefundTotal, ...]]


class _Events:
    """What the day's read waits for, on one queue: a range's orders, a read of refunds, and each
    source's end (the bulk ranges, the refund reads), however it ends."""

    SOURCES = 2

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def orders(self, index: int, nodes: list[dict[str, Any]]) -> None:
        self._queue.put(("orders", (index, nodes)))

    def refunds(self, batch: _Batch) -> None:
        self._queue.put(("refunds", batch))

    def ranges_read(self) -> None:
        self._queue.put(("ranges read", None))

    def ended(self) -> None:
        self._queue.put(("end", None))

    def until_ended(self) -> Iterator[tuple[str, Any]]:
        ended = 0
        while ended < self.SOURCES:
            kind, value = self._queue.get()
            if kind == "end":
                ended += 1
            else:
                yield kind, value


def _read_slices(
    client: _Client, searches: list[str], events: _Events, interval: float, sleep: Callable[[float], None]
) -> None:
    """Each range's order nodes handed to ``events`` as its bulk operation's file is read."""
    try:
        tasks = [partial(_bulk_nodes, client, search, interval, sleep) for search in searches]
        for index, nodes in completed(tasks):
            events.orders(index, nodes)
    finally:
        events.ranges_read()
        events.ended()


def _bulk_nodes(
    client: _Client, search: str, interval: float, sleep: Callable[[float], None]
) -> list[dict[str, Any]]:
    operation = start_bulk_query(client, orders_query(search))
    done = wait_for_bulk(client, operation.id, interval=interval, sleep=sleep)
    return list(orders_from_lines(stream_jsonl(done.url))) if done.url else []  # no file: no order


class _DayOrders:
    """The day's orders from the bulk files, each translated once, as soon as it can be: those
    without refunds as their range arrives, the refunded ones once their refunds are read too."""

    def __init__(self, shop: str, ranges: int, listed: Callable[[list[RefundedOrder] | None], None]) -> None:
        self._shop = shop
        self._listed = listed  # each range's refunded orders, for their refunds to be read; None: no more
        self._ranges: list[list[dict[str, Any]]] = [[] for _ in range(ranges)]
        self._refunded: dict[str, dict[str, Any]] = {}
        self._sold: dict[str, Order] = {}
        self._read: _Batch = {}

    def take_in(self, events: _Events, ready: Callable[[list[Order]], None] | None) -> None:
        """The ranges and refunds as ``events`` brings them, until both sources end; ``ready`` is
        given each range's orders as they are translated, refunded ones ``HAND_OVER`` at a time."""
        waiting: list[Order] = []
        for kind, value in events.until_ended():
            if kind == "ranges read":
                self._listed(None)
                continue
            waiting += self._add_range(*value) if kind == "orders" else self._add_refunds(value)
            if ready is not None and waiting and (kind == "orders" or len(waiting) >= HAND_OVER):
                ready(waiting)
                waiting = []

    def refunded(self, since: datetime) -> list[RefundedOrder]:
        """The day's orders with refunds changed since ``since``, as ``refunded_orders_since`` lists them."""
        changed = ((order_id, _updated(node)) for order_id, node in self._refunded.items())
        return [RefundedOrder(order_id, at) for order_id, at in changed if at >= since]

    def unread(self, refunds: Mapping[str, tuple[RefundTotal, ...]]) -> list[str]:
        """The day's refunded orders whose refunds are not in ``refunds`` (not listed as refunded)."""
        return [order_id for order_id in self._refunded if order_id not in refunds]

    def orders(self, refunds: Mapping[str, tuple[RefundTotal, ...]]) -> list[Order]:
        """Every order of the day, range by range in id order, each range in its file's order."""
        return [
            self._sold.get(order_id) or self._translate(order_id, refunds.get(order_id, ()))
            for order_id in (str(node["id"]) for nodes in self._ranges for node in nodes)
        ]

    def _add_range(self, index: int, nodes: list[dict[str, Any]]) -> list[Order]:
        """The range's orders without refunds translated; its refunded ones translated where their
        refunds are read already, else listed for reading."""
        self._ranges[index] = nodes
        fresh: list[Order] = []
        unread: list[RefundedOrder] = []
        for node in nodes:
            order_id = str(node["id"])
            if not refunded_order(node):
                fresh.append(self._sell(order_id, order_from_graphql(node, shop=self._shop)))
                continue
            self._refunded[order_id] = node
            if order_id in self._read:
                fresh.append(self._translate(order_id, self._read[order_id]))
            else:
                unread.append(RefundedOrder(order_id, _updated(node)))
        self._listed(unread)
        return fresh

    def _add_refunds(self, batch: _Batch) -> list[Order]:
        self._read.update(batch)
        return [
            self._translate(order_id, refunds)
            for order_id, refunds in batch.items()
            if order_id in self._refunded and order_id not in self._sold
        ]

    def _translate(self, order_id: str, refunds: tuple[RefundTotal, ...]) -> Order:
        node = self._refunded[order_id]
        return self._sell(
            order_id, order_from_graphql(node, shop=self._shop, refunded_units=units_refunded(refunds))
        )

    def _sell(self, order_id: str, order: Order) -> Order:
        self._sold[order_id] = order
        return order


def _list_refunded(
    client: _Client,
    since: datetime | None,
    day_start: datetime,
    pages: queue.SimpleQueue[list[RefundedOrder] | None],
) -> tuple[RefundedOrder, ...]:
    """The orders created before the day and refunded since ``since``, each page also handed to
    ``pages``; ``None`` ends them. The day's own refunded orders come with the day's ranges."""
    try:
        if since is None:
            return ()
        return refunded_orders_since(client, since, on_page=pages.put, created_before=day_start)
    finally:
        pages.put(None)


_LISTS = 2  # who hands refunded orders to the refund reads: the listing and the day's ranges


def _oldest_change_first(refunded: list[RefundedOrder]) -> tuple[RefundedOrder, ...]:
    return tuple(sorted(refunded, key=lambda r: (r.updated_at, r.order_id)))


def _updated(node: Mapping[str, Any]) -> datetime:
    stamp = parse_time(node.get("updatedAt"))
    if stamp is None:
        raise BadInput(f"Shopify order {node.get('name')} has no updatedAt")
    return stamp


def _refunds_as_listed(
    client: _Client,
    pages: queue.SimpleQueue[list[RefundedOrder] | None],
    events: _Events | None = None,
    lists: int = 1,
) -> _Batch:
    """The refunds of the orders ``pages`` brings from ``lists`` sources, each ending with ``None``,
    a full batch a read as soon as one is listed; each read's also handed to ``events``, which is
    told when the reads end (however they end)."""
    found: _Batch = {}
    waiting: list[str] = []

    def read_refunds(order_ids: list[str]) -> None:
        batch = refund_totals_of_orders(client, order_ids)
        found.update(batch)
        if events is not None:
            events.refunds(batch)

    try:
        ended = 0
        while ended < lists:
            page = pages.get()
            if page is None:
                ended += 1
                continue
            waiting += [r.order_id for r in page if r.order_id not in found and r.order_id not in waiting]
            while len(waiting) >= BATCH:
                read_refunds(waiting[:BATCH])
                del waiting[:BATCH]
        read_refunds(waiting)
        return found
    finally:
        if events is not None:
            events.ended()
