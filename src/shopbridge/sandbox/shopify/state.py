"""The state of one sandbox shop: collections keyed by GID, ids, and the event bus."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .orders_state import OrdersStateMixin

Subscriber = Callable[[str, dict[str, Any]], None]


class EventBus:
    """Synchronous publish/subscribe of Shopify webhook topics with REST-shaped bodies."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> None:
        with self._lock:
            self._subscribers.append(fn)

    def unsubscribe(self, fn: Subscriber) -> None:
        with self._lock:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            fn(topic, payload)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def numeric_id(gid: str) -> int:
    """The numeric tail of a GID: "gid://shopify/Order/5" -> 5 (REST payloads use these)."""
    tail = gid.rsplit("/", 1)[-1]
    return int(tail.split("?", 1)[0])


def gid_kind(gid: str) -> str:
    """The type part of a GID: "gid://shopify/Order/5" -> "Order"."""
    parts = gid.split("/")
    return parts[3] if len(parts) > 4 and gid.startswith("gid://shopify/") else ""


@dataclass
class BulkTiming:
    """A bulk operation's duration: ``base_s`` plus ``per_object_s`` for each object it reads.

    Shopify's bulk operations take from seconds to hours; the defaults keep a demo shop's
    operations observable (CREATED, RUNNING) yet quick. Tests shrink them, never to zero.
    """

    base_s: float = 0.5
    per_object_s: float = 0.00002


class ShopState(OrdersStateMixin):
    """One shop. Every mutation of a collection happens under ``self.lock``."""

    def __init__(
        self,
        shop_domain: str = "sandbox.myshopify.com",
        currency: str = "GBP",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.shop_domain = shop_domain
        self.currency = currency
        self.clock = clock
        self.base_url = ""  # set by the server once it listens (bulk result URLs point here)
        self.bulk_timing = BulkTiming()  # how long bulk operations take (a sandbox setting)
        self.lock = threading.RLock()
        self.events = EventBus()
        # The scopes the app was granted (a setting: reset keeps it). subscriptions.py holds the default.
        from .subscriptions import DEFAULT_GRANTED_SCOPES

        self.granted_scopes: list[str] = list(DEFAULT_GRANTED_SCOPES)
        self.app_secret = ""  # the app's client secret: signs deliveries to subscriptions
        self.reset()

    def reset(self) -> None:
        """Empty every collection (subscribers of the event bus are kept)."""
        with self.lock:
            self._counters: dict[str, int] = {}
            self.locations: dict[str, dict[str, Any]] = {}
            self.products: dict[str, dict[str, Any]] = {}
            self.variants: dict[str, dict[str, Any]] = {}
            self.inventory_items: dict[str, dict[str, Any]] = {}
            self.inventory_levels: dict[tuple[str, str], dict[str, int]] = {}
            self.level_ids: dict[tuple[str, str], str] = {}  # (item, location) -> InventoryLevel GID
            self.level_stamps: dict[tuple[str, str], str] = {}  # (item, location) -> updatedAt
            self.adjustment_groups: dict[str, dict[str, Any]] = {}
            self.customers: dict[str, dict[str, Any]] = {}
            self.companies: dict[str, dict[str, Any]] = {}
            self.company_locations: dict[str, dict[str, Any]] = {}
            self.company_contacts: dict[str, dict[str, Any]] = {}
            self.catalogs: dict[str, dict[str, Any]] = {}
            self.price_lists: dict[str, dict[str, Any]] = {}
            self.publications: dict[str, dict[str, Any]] = {}
            self.bulk_operations: dict[str, dict[str, Any]] = {}
            self.idempotency: dict[str, tuple[str, Any]] = {}
            self.orders: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.fulfillment_orders: dict[str, dict[str, Any]] = {}
            self.fulfillments: dict[str, dict[str, Any]] = {}
            self.payouts: dict[str, dict[str, Any]] = {}
            self.balance_transactions: dict[str, dict[str, Any]] = {}
            self.metafields: dict[tuple[str, str, str], dict[str, Any]] = {}  # (owner, namespace, key)
            self.webhook_subscriptions: dict[str, dict[str, Any]] = {}  # GID -> subscriptions.py record
            self.collections: dict[str, dict[str, Any]] = {}  # GID -> resolvers/collections.py record
            self._init_orders_state()

    def new_gid(self, kind: str) -> str:
        """A fresh "gid://shopify/<Kind>/<n>", n increasing per kind from 1."""
        with self.lock:
            n = self._counters.get(kind, 0) + 1
            self._counters[kind] = n
            return f"gid://shopify/{kind}/{n}"

    def now_iso(self) -> str:
        """The clock's now as Shopify writes DateTime scalars ("2025-01-02T03:04:05Z")."""
        return self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
