"""The Shopify GraphQL Admin client: one endpoint, pinned API version, paced by cost.

``ShopifyClient.execute(name, variables)`` sends the document ``queries/<name>.graphql`` and returns
its ``data``; ``mutate`` also checks the mutation's ``userErrors``. THROTTLED answers (HTTP 200 with
``extensions.code == "THROTTLED"``, or 429) are waited out and retried here, so a flow only sees
:class:`~shopbridge.errors.Throttled` when the retries are exhausted. Everything else is translated by
:mod:`shopbridge.connectors.shopify.errors`.

The access token is read from the shop's secret reference once and sent only in the
``X-Shopify-Access-Token`` header: it is never logged and never part of ``repr``.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from shopbridge.config import SHOPIFY_API_VERSION, ShopSettings
from shopbridge.connectors.shopify import (
    catalogue,
    catalogue_changes,
    collections_bulk,
    fulfilments,
    inventory,
    inventory_audit,
    order_history,
    order_lines_batch,
    orders,
    reconcile_bulk,
    reconcile_reads,
    refunds,
    refunds_batch,
)
from shopbridge.connectors.shopify import payouts as payments
from shopbridge.connectors.shopify import price_lists as b2b_prices
from shopbridge.connectors.shopify.documents import Document, document
from shopbridge.connectors.shopify.errors import (
    from_graphql_errors,
    from_http_status,
    from_user_errors,
    is_throttled,
)
from shopbridge.connectors.shopify.pacing import CostBudget, ThrottleStatus
from shopbridge.domain.catalogue import CatalogueProduct
from shopbridge.domain.fulfilment import FulfilmentRequest, OrderFulfilments, ShippedFulfilment
from shopbridge.domain.order_stock_lines import OrderStockLines
from shopbridge.domain.order_versions import OrderVersion
from shopbridge.domain.ownership import FieldChange
from shopbridge.domain.price_lists import FixedPrice, ShopifyPriceList
from shopbridge.domain.records import BalanceTransaction, Order, Payout, Refund
from shopbridge.domain.stock_audit import Drift, ShopifyLevel
from shopbridge.errors import RetryLater, Throttled
from shopbridge.ports.shopify import LevelWrite, OrderHeader, RefundedOrder, ShopifyDayRead, StockItem

__all__ = ["ClientStats", "ShopifyClient", "graphql_endpoint"]

log = logging.getLogger(__name__)

_DEFAULT_MUTATION_COST = 10.0  # Shopify: every mutation costs 10
_DEFAULT_QUERY_COST = 50.0  # until the first answer tells us the document's real requested cost
THROTTLE_JITTER = 0.25  # share of the THROTTLED wait added at random (see _attempt)


def graphql_endpoint(shop: ShopSettings) -> str:
    return f"{shop.admin_base}/admin/api/{SHOPIFY_API_VERSION}/graphql.json"


@dataclass
class ClientStats:
    """What the client saw: calls, THROTTLED answers seen and surfaced, cost points charged."""

    calls: int = 0
    throttled_seen: int = 0
    throttled_surfaced: int = 0
    cost_actual: float = 0.0


class ShopifyClient:
    """A synchronous, thread-safe client for one shop (share one per shop between worker threads)."""

    def __init__(
        self,
        *,
        endpoint: str,
        token: str,
        budget: CostBudget,
        http: httpx.Client,
        shop_domain: str = "",
        max_throttle_retries: int = 16,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self.shop_domain = shop_domain
        self.budget = budget
        self.stats = ClientStats()
        self._token = token
        self._http = http
        self._max_retries = max_throttle_retries
        self._monotonic = monotonic
        self._sleep = sleep
        self._jitter = jitter
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        shop: ShopSettings,
        *,
        budget: CostBudget | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> ShopifyClient:
        """A client for ``shop``; pass the shop's shared ``budget`` when several workers use it."""
        token = shop.access_token.resolve(f"shops[{shop.name}].access_token")
        http = httpx.Client(transport=transport, timeout=timeout)
        return cls(
            endpoint=graphql_endpoint(shop),
            token=token,
            budget=budget or CostBudget(restore_rate=shop.restore_rate),
            http=http,
            shop_domain=shop.domain,
        )

    def __repr__(self) -> str:
        return f"ShopifyClient({self.endpoint!r})"

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any:
        """Send document ``name`` and return its ``data``; ``key`` fills a ``$key`` idempotency variable."""
        doc = document(name)
        payload = {
            "query": doc.text,
            "operationName": doc.operation,
            "variables": _with_key(doc, variables, key),
        }
        for _attempt in range(self._max_retries + 1):
            body = self._attempt(doc, payload)
            if body is not None:
                return body.get("data")
        self._count(surfaced=1)
        raise Throttled(
            f"Shopify kept throttling {name} after {self._max_retries} waits",
            retry_after=self._estimate(doc) / self.budget.restore_rate,
            details={"document": name, "shop": self.shop_domain},
        )

    # -- the Shopify port (``ports/shopify.py``) ----------------------------------------------

    def order(self, order_id: str) -> Order | None:
        """The order as Shopify has it now, or ``None``."""
        return orders.fetch_order(self, order_id)

    def record_erp_order(self, order_id: str, erp_number: str) -> OrderVersion | None:
        """The ERP number onto the order: ``shopbridge.erp_order`` metafield and ``ERP:`` tag."""
        return orders.record_erp_order(self, order_id, erp_number)

    def catalogue(self, *, page_size: int = 100) -> list[CatalogueProduct]:
        """Every product with all its variants (``connectors/shopify/catalogue.py``)."""
        return catalogue.fetch_catalogue(self, page_size=page_size)

    def set_product_status(self, product_id: str, status: str) -> None:
        catalogue.set_status(self, product_id, status)

    def product_publications(self, product_id: str) -> tuple[str, ...]:
        return catalogue.product_publications(self, product_id)

    def unpublish_product(self, product_id: str, publications: Sequence[str]) -> None:
        catalogue.unpublish(self, product_id, publications)

    def publish_product(self, product_id: str, publications: Sequence[str]) -> None:
        catalogue.publish(self, product_id, publications)

    def push_product_fields(self, product_id: str, changes: Sequence[FieldChange]) -> None:
        catalogue.push_fields(self, product_id, changes)

    # B2B price lists: thin delegations to ``connectors/shopify/price_lists.py``
    def variant_ids_by_sku(self, skus: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return b2b_prices.variant_ids_by_sku(self, skus)

    def company_location_ids(self, company_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return b2b_prices.company_location_ids(self, company_ids)

    def price_list(self, price_list_id: str) -> ShopifyPriceList | None:
        return b2b_prices.price_list(self, price_list_id)

    def price_list_named(self, name: str) -> ShopifyPriceList | None:
        return b2b_prices.price_list_named(self, name)

    def create_price_list(self, name: str, currency: str, adjustment_percent: Decimal) -> ShopifyPriceList:
        return b2b_prices.create_price_list(self, name, currency, adjustment_percent)

    def create_catalog(self, title: str, price_list_id: str, location_ids: Sequence[str]) -> str:
        return b2b_prices.create_catalog(self, title, price_list_id, location_ids)

    def update_catalog_locations(self, catalog_id: str, add: Sequence[str], remove: Sequence[str]) -> None:
        b2b_prices.update_catalog_locations(self, catalog_id, add, remove)

    def update_fixed_prices(
        self, price_list_id: str, currency: str, upserts: Sequence[FixedPrice], deletes: Sequence[str]
    ) -> None:
        b2b_prices.update_fixed_prices(self, price_list_id, currency, upserts, deletes)

    def payouts(self, issued_since: date | None) -> list[Payout]:
        """ShopifyPort.payouts: see :mod:`shopbridge.connectors.shopify.payouts`."""
        return payments.fetch_payouts(self, issued_since)

    def payout_transactions(self, payout_id: str) -> list[BalanceTransaction]:
        """ShopifyPort.payout_transactions."""
        return payments.fetch_payout_transactions(self, payout_id)

    def order_fulfilments(self, order_id: str) -> OrderFulfilments | None:
        """The order's lines, fulfilment orders and fulfilments (``connectors/shopify/fulfilments``)."""
        return fulfilments.order_fulfilments(self, order_id)

    def fulfilments_made(self, order_id: str) -> tuple[ShippedFulfilment, ...]:
        return fulfilments.fulfilments_made(self, order_id)

    def move_fulfilment_order(
        self, fulfilment_order_id: str, location_id: str, lines: tuple[tuple[str, int], ...]
    ) -> None:
        fulfilments.move_fulfilment_order(self, fulfilment_order_id, location_id, lines)

    def create_fulfilment(self, request: FulfilmentRequest) -> str:
        return fulfilments.create_fulfilment(self, request)

    def order_refunds(self, order_id: str) -> tuple[Refund, ...]:
        """Every refund of the order, oldest first."""
        return refunds.order_refunds(self, order_id)

    def refunded_orders_since(self, since: datetime) -> tuple[RefundedOrder, ...]:
        """Orders with refunds updated since ``since``."""
        return refunds.refunded_orders_since(self, since)

    # -- the stock push (``ports/shopify.ShopifyInventoryPort``; ``connectors/shopify/inventory.py``) --

    def stock_items(self, skus: Sequence[str]) -> list[StockItem]:
        return inventory.stock_items(self, skus)

    def available_levels(self, inventory_item_ids: Sequence[str], location_id: str) -> dict[str, int | None]:
        return inventory.available_levels(self, inventory_item_ids, location_id)

    def activate_inventory(self, inventory_item_id: str, location_id: str) -> int:
        return inventory.activate_inventory(self, inventory_item_id, location_id)

    def set_available(self, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]:
        return inventory.set_available(self, writes, key=key)

    def mutate(self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None) -> Any:
        """Run a mutation and return its payload object, raising on ``userErrors``."""
        data = self.execute(name, variables, key=key)
        if not isinstance(data, Mapping) or len(data) != 1:
            raise RetryLater(f"Shopify answered {name} without its payload", details={"data": data})
        result = next(iter(data.values()))
        errors = _user_errors(result)
        if errors:
            raise from_user_errors(errors, name)
        return result

    def _attempt(self, doc: Document, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """One paced round trip: the body when answered, ``None`` after waiting out THROTTLED."""
        reserved = self._estimate(doc)
        wait = self.budget.reserve(reserved, self._monotonic())
        if wait > 0:
            self._sleep(wait)
        status, text, headers = self._post(doc, payload, reserved)
        body = _json(text)
        cost = ThrottleStatus.from_extensions(body.get("extensions") if body else None)
        if cost is not None:
            self.budget.learn(doc.name, cost.requested)
        if is_throttled(status, body):
            self._count(calls=1, seen=1)
            wait = max(self.budget.throttled(reserved, cost, self._monotonic()), _retry_after(headers))
            # Shopify's formula, plus up to a quarter more: clients in other processes that were
            # throttled together would otherwise wake together and collide again, round after round.
            self._sleep(wait * (1 + THROTTLE_JITTER * self._jitter()))
            return None
        self.budget.settle(reserved, cost, self._monotonic())
        charged = 0.0 if cost is None else cost.requested if cost.actual is None else cost.actual
        self._count(calls=1, actual=charged)
        return self._checked(doc, status, text, body)

    def _post(
        self, doc: Document, payload: Mapping[str, Any], reserved: float
    ) -> tuple[int, str, httpx.Headers]:
        headers = {"X-Shopify-Access-Token": self._token, "Content-Type": "application/json"}
        try:
            response = self._http.post(self.endpoint, json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            self.budget.settle(reserved, None, self._monotonic())
            raise RetryLater(
                f"Shopify did not answer {doc.name} in time", details={"error": str(exc)}
            ) from exc
        except httpx.TransportError as exc:
            self.budget.settle(reserved, None, self._monotonic())
            raise RetryLater(
                f"cannot reach Shopify for {doc.name}: {exc}", details={"error": str(exc)}
            ) from exc
        log.debug("shopify %s %s -> %s", self.shop_domain, doc.operation, response.status_code)
        return response.status_code, response.text, response.headers

    def _checked(self, doc: Document, status: int, text: str, body: dict[str, Any] | None) -> dict[str, Any]:
        error = from_http_status(status, text, doc.name)
        if error is not None:
            raise error
        if body is None:
            raise RetryLater(
                f"Shopify answered {doc.name} with something that is not JSON", details={"body": text[:500]}
            )
        errors = body.get("errors")
        if errors:
            raise from_graphql_errors(
                errors if isinstance(errors, list) else [{"message": str(errors)}], doc.name
            )
        return body

    def _estimate(self, doc: Document) -> float:
        default = _DEFAULT_MUTATION_COST if doc.is_mutation else _DEFAULT_QUERY_COST
        return self.budget.estimate(doc.name, default)

    def _count(self, *, calls: int = 0, seen: int = 0, surfaced: int = 0, actual: float = 0.0) -> None:
        with self._lock:
            self.stats.calls += calls
            self.stats.throttled_seen += seen
            self.stats.throttled_surfaced += surfaced
            self.stats.cost_actual += actual

    # -- the full stock audit (ports/shopify.py; connectors/shopify/inventory_audit.py) ---------

    audit_backoff: inventory_audit.Backoff = inventory_audit.Backoff()  # tests and the bench shorten it

    def start_inventory_read(self) -> str:
        return inventory_audit.start_read(self)

    def wait_inventory_read(self, operation_id: str, *, progress: Callable[[int], None] | None = None) -> int:
        return inventory_audit.wait_read(
            self, operation_id, backoff=self.audit_backoff, progress=progress, sleep=self._sleep
        )

    def inventory_levels(self, operation_id: str) -> Iterator[ShopifyLevel]:
        return inventory_audit.read_levels(self, operation_id)

    def repair_inventory_levels(self, drifts: Sequence[Drift], *, key: str) -> int:
        return inventory_audit.repair(self, drifts, key=key)

    # -- the daily reconciliation (``ports/shopify.ShopifyReconcileReads``) --------------------------

    def orders_created_between(self, start: datetime, end: datetime) -> tuple[str, ...]:
        """The GIDs of the orders created in ``[start, end)``."""
        return reconcile_reads.orders_created_between(self, start, end)

    # -- historic orders (``ports/shopify.ShopifyOrderHistory``; ``shopbridge import orders``) -------

    def orders_since(self, since: datetime, *, page_size: int = 100) -> Iterator[list[OrderHeader]]:
        """The orders created at or after ``since``, oldest first, one list per page."""
        return order_history.orders_since(self, since, page_size=page_size)

    def orders_created_in_bulk(self, start: datetime, end: datetime) -> list[Order]:
        """The orders created in ``[start, end)``, read as sold, through one bulk operation."""
        return reconcile_bulk.orders_created_in_bulk(self, start, end)

    def orders_and_refunds_created_in_bulk(
        self,
        start: datetime,
        end: datetime,
        refunded_since: datetime | None,
        *,
        ready: Callable[[list[Order]], None] | None = None,
    ) -> ShopifyDayRead:
        """The day's orders as ``orders_created_in_bulk`` reads them, the orders refunded since
        ``refunded_since`` and the refunds of both, read while the bulk operation runs; ``ready``
        given the orders a group at a time meanwhile (``ports/shopify.ShopifyBulkDayRefunds``)."""
        return reconcile_bulk.orders_and_refunds_created_in_bulk(
            self, start, end, refunded_since, ready=ready
        )

    # -- the catalogue sweep's incremental reads (``ports/shopify.ShopifyCatalogueChanges``) ---------

    def products_updated_since(self, since: datetime) -> tuple[str, ...]:
        """The GIDs of the products updated at or after ``since``."""
        return catalogue_changes.products_updated_since(self, since)

    def catalogue_products(
        self, product_ids: Sequence[str], *, page_size: int = 100
    ) -> list[CatalogueProduct]:
        """These products whole; those Shopify no longer has are absent."""
        return catalogue_changes.catalogue_products(self, product_ids, page_size=page_size)

    def existing_products(self, product_ids: Sequence[str]) -> frozenset[str]:
        """Those of ``product_ids`` Shopify still has."""
        return catalogue_changes.existing_products(self, product_ids)

    def refunds_of_orders(self, order_ids: Sequence[str]) -> dict[str, tuple[Refund, ...]]:
        """Each order's refunds, ten orders a read (``ports/shopify.ShopifyRefundBatchReads``)."""
        return refunds_batch.refunds_of_orders(self, order_ids)

    def collection_handles_in_bulk(self) -> dict[str, tuple[str, ...]]:
        """Every product's collection handles, through one bulk operation
        (``ports/shopify.ShopifyCollectionBulkReads``)."""
        return collections_bulk.collection_handles_in_bulk(self)

    def orders_stock_lines(self, order_ids: Sequence[str]) -> dict[str, OrderStockLines]:
        """Each order's stock lines, 25 orders a read (``ports/shopify.ShopifyPendingOrderReads``)."""
        return order_lines_batch.orders_stock_lines(self, order_ids)


def _with_key(doc: Document, variables: Mapping[str, Any] | None, key: str | None) -> dict[str, Any]:
    result = dict(variables or {})
    if doc.idempotent and not key:
        raise ValueError(f"{doc.name} is @idempotent: pass key= (the job's idempotency_key)")
    if key:
        result["key"] = key
    return result


def _user_errors(result: Any) -> list[Mapping[str, Any]]:
    if not isinstance(result, Mapping):
        return []
    found: list[Mapping[str, Any]] = []
    for field, value in result.items():
        if field.endswith("serErrors") and isinstance(value, list):
            found.extend(v for v in value if isinstance(v, Mapping))
    return found


def _json(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _retry_after(headers: httpx.Headers) -> float:
    try:
        return float(headers.get("Retry-After", "0"))
    except ValueError:
        return 0.0
