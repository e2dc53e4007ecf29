"""Webhook delivery as Shopify does it: signed, real headers, at least once, retried, sometimes lost.

The emitter subscribes to the shop's EventBus. Every event becomes a *delivery* (one webhook id,
one event id, the body frozen at trigger time, the address configured at trigger time) queued for a
background thread that POSTs it. Faults are settings, drawn from one seeded ``random.Random`` in
event order so a test with a seed sees the same drops and duplicates every run:

- ``drop_rate``: the delivery is never attempted (the reconciliation sweep must catch it);
- ``duplicate_rate``: a second copy (same webhook id and event id) is queued as well;
- ``delay`` + ``jitter``: a fixed delay plus a uniform random extra, which reorders deliveries.

A failure (non-2xx, a connect timeout of 1 s, 5 s in all) is retried on Shopify's schedule: 8 retries
over 4 hours, exponential (see :func:`retry_delays`), always with the original body and address.
When the 8th retry fails too, the subscription is deleted (Shopify's rule for API-created
subscriptions after 8 consecutive failures). ``time_compression`` divides every delay, so a test
can run the whole schedule in a fraction of a second.

Where deliveries go: once any subscription exists (``webhookSubscriptionCreate``, kept by
``subscriptions.py``), each event goes to the subscriptions of its topic and nowhere else, and a
subscription that exhausts its retries is deleted from the shop. With no subscription at all, the
legacy single target of the settings (``address`` + ``topics``) still receives every topic it names,
so demos and tests that configure only that keep working (FIDELITY.md, "Webhook subscriptions").
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import random
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import httpx

from .state import ShopState
from .subscriptions import any_registered, matching, remove_after_failures, tunnelled

API_VERSION = "2026-07"
RETRIES = 8
RETRY_WINDOW_SECONDS = 4 * 3600.0


def sign(secret: str, body: bytes) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 of HMAC-SHA256 over the raw body, keyed with the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def retry_delays(retries: int = RETRIES, window: float = RETRY_WINDOW_SECONDS) -> list[float]:
    """Seconds before each retry: base x 2^i, with base chosen so the retries span ``window``
    (8 retries over 4 hours: about 56 s, 113 s, ... 2 h)."""
    base = window / (2**retries - 1)
    return [base * 2**i for i in range(retries)]


@dataclass
class WebhookSettings:
    """The subscription and the fault settings (control route: POST /_sandbox/webhooks)."""

    address: str | None = None
    secret: str = ""
    topics: list[str] | None = None  # None: every topic
    duplicate_rate: float = 0.0
    drop_rate: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0
    time_compression: float = 1.0
    seed: int | None = None
    connect_timeout: float = 1.0
    timeout: float = 5.0
    # public https:// prefix -> local http:// base: what a tunnel or reverse proxy does for a real shop
    tunnels: dict[str, str] = field(default_factory=dict)

    def update(self, changes: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown webhook settings {sorted(unknown)}; known: {sorted(names)}")
        for name, value in changes.items():
            setattr(self, name, value)


@dataclass
class Delivery:
    topic: str
    body: bytes
    address: str
    secret: str
    webhook_id: str
    event_id: str
    triggered_at: str
    attempt: int = 0  # attempts made so far
    duplicate: bool = False
    subscription_id: str | None = None  # None: the legacy settings target


@dataclass
class Attempt:
    """One POST, as the delivery log keeps it (tests read it)."""

    webhook_id: str
    event_id: str
    topic: str
    attempt: int
    status: int | None  # None: no HTTP answer (connect error or timeout)
    ok: bool
    duplicate: bool


@dataclass
class Stats:
    triggered: int = 0
    dropped: int = 0
    duplicated: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    abandoned: int = 0
    subscription_deleted: bool = False
    subscriptions_deleted: list[str] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)


class WebhookEmitter:
    """Delivers the shop's events to the configured address from a background thread."""

    def __init__(self, state: ShopState, settings: WebhookSettings | None = None) -> None:
        self.state = state
        self.settings = settings or WebhookSettings()
        self.stats = Stats()
        self._rng = random.Random(self.settings.seed)
        self._queue: list[tuple[float, int, Delivery]] = []
        self._seq = 0
        self._in_flight = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._more_threads: list[threading.Thread] = []

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> WebhookEmitter:
        self.state.events.subscribe(self.on_event)
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()
        return self

    def deliver_in_parallel(self, threads: int) -> None:
        """Deliver up to ``threads`` webhooks at once (one by default). Shopify delivers a shop's
        webhooks concurrently and in no guaranteed order; one at a time, a burst of orders reaches the
        app no faster than the app answers one request after another (benchmarks need the burst)."""
        for index in range(len(self._more_threads) + 1, threads):
            thread = threading.Thread(target=self._run, name=f"sandbox-webhooks-{index}", daemon=True)
            self._more_threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self.state.events.unsubscribe(self.on_event)
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in ([self._thread] if self._thread is not None else []) + self._more_threads:
            thread.join(timeout=10)

    def configure(self, changes: dict[str, Any]) -> None:
        with self._cond:
            self.settings.update(changes)
            if "seed" in changes:
                self._rng = random.Random(self.settings.seed)

    def describe(self) -> dict[str, Any]:
        with self._cond:
            stats = {k: v for k, v in asdict(self.stats).items() if k != "attempts"}
            settings = {k: v for k, v in asdict(self.settings).items() if k != "secret"}
            return {"settings": settings, "stats": stats, "queued": len(self._queue)}

    # intake from the event bus ---------------------------------------------------------------
    def on_event(self, topic: str, payload: dict[str, Any]) -> None:
        # The shop's lock before the emitter's, never the other way round (see _attempt).
        registered = [(s["uri"], s["id"]) for s in matching(self.state, topic)]
        has_subscriptions = any_registered(self.state)
        with self._cond:
            targets = registered if has_subscriptions else self._legacy_targets(topic)
            for address, subscription_id in targets:
                self._emit(topic, payload, address, subscription_id)

    def _legacy_targets(self, topic: str) -> list[tuple[str, str | None]]:
        s = self.settings
        if not s.address or (s.topics is not None and topic not in s.topics):
            return []
        return [(s.address, None)]

    def _emit(self, topic: str, payload: dict[str, Any], address: str, subscription_id: str | None) -> None:
        s = self.settings
        self.stats.triggered += 1
        delivery = self._new_delivery(topic, payload, address, subscription_id)
        if self._rng.random() < s.drop_rate:
            self.stats.dropped += 1
            return
        self._push(delivery, self._first_delay())
        if self._rng.random() < s.duplicate_rate:
            self.stats.duplicated += 1
            copy = Delivery(**{**asdict(delivery), "duplicate": True})
            self._push(copy, self._first_delay())

    def _new_delivery(
        self, topic: str, payload: dict[str, Any], address: str, subscription_id: str | None
    ) -> Delivery:
        return Delivery(
            topic=topic,
            body=json.dumps(payload, separators=(",", ":")).encode(),
            address=address,
            subscription_id=subscription_id,
            secret=self.settings.secret,
            webhook_id=str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            event_id=str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            triggered_at=self.state.clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        )

    def _first_delay(self) -> float:
        s = self.settings
        return (s.delay + self._rng.uniform(0, s.jitter)) / s.time_compression

    def _push(self, delivery: Delivery, delay: float) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (time.monotonic() + delay, self._seq, delivery))
        self._cond.notify_all()

    # delivery thread -------------------------------------------------------------------------
    def _run(self) -> None:
        with httpx.Client(timeout=self._timeouts()) as client:
            while not self._stop.is_set():
                delivery = self._next_due()
                if delivery is not None:
                    self._attempt(client, delivery)

    def _timeouts(self) -> httpx.Timeout:
        return httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout)

    def _next_due(self) -> Delivery | None:
        with self._cond:
            if not self._queue:
                self._cond.wait(timeout=0.5)
                return None
            due, _, delivery = self._queue[0]
            wait = due - time.monotonic()
            if wait > 0:
                self._cond.wait(timeout=min(wait, 0.5))
                return None
            heapq.heappop(self._queue)
            self._in_flight += 1
            return delivery

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        delivery.attempt += 1
        status = self._post(client, delivery)
        ok = status is not None and 200 <= status < 300
        removed: str | None = None
        with self._cond:
            self._in_flight -= 1
            self.stats.attempts.append(
                Attempt(
                    delivery.webhook_id,
                    delivery.event_id,
                    delivery.topic,
                    delivery.attempt,
                    status,
                    ok,
                    delivery.duplicate,
                )
            )
            removed = self._settle(delivery, ok)
            self._cond.notify_all()
        # Outside the emitter's lock: taking the shop's lock inside it could deadlock with on_event.
        if removed is not None and remove_after_failures(self.state, removed):
            with self._cond:
                self.stats.subscriptions_deleted.append(removed)

    def _settle(self, delivery: Delivery, ok: bool) -> str | None:
        """Count the attempt and queue its retry; the subscription to delete when retries ran out."""
        if ok:
            self.stats.delivered += 1
            return None
        self.stats.failed_attempts += 1
        if delivery.attempt <= RETRIES:
            delay = retry_delays()[delivery.attempt - 1] / self.settings.time_compression
            self._push(delivery, delay)
            return None
        self.stats.abandoned += 1
        self.stats.subscription_deleted = True
        if delivery.subscription_id is not None:
            return delivery.subscription_id
        self.settings.address = None  # Shopify deletes the subscription after 8 failed retries
        return None

    def _post(self, client: httpx.Client, delivery: Delivery) -> int | None:
        try:
            response = client.post(
                tunnelled(delivery.address, self.settings.tunnels),
                content=delivery.body,
                headers=headers_for(self.state, delivery),
            )
        except httpx.HTTPError:
            return None
        return response.status_code

    # tests -----------------------------------------------------------------------------------
    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is queued or in flight (retries included); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(timeout=min(remaining, 0.5))
            return True


def headers_for(state: ShopState, delivery: Delivery) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": delivery.topic,
        "X-Shopify-Shop-Domain": state.shop_domain,
        "X-Shopify-API-Version": API_VERSION,
        "X-Shopify-Webhook-Id": delivery.webhook_id,
        "X-Shopify-Event-Id": delivery.event_id,
        "X-Shopify-Triggered-At": delivery.triggered_at,
        "X-Shopify-Hmac-Sha256": sign(delivery.secret, delivery.body),
    }


def emitter_for(state: ShopState) -> WebhookEmitter:
    """The shop's emitter, created and started on first use (one per shop state)."""
    with state.lock:
        emitter = state.webhook_emitter
        if emitter is None:
            emitter = state.webhook_emitter = WebhookEmitter(state).start()
        return emitter


def ensure_emitter(state: ShopState) -> WebhookEmitter:
    """The shop's emitter, started when the first subscription is made; signs with the app's secret
    unless a secret was configured already."""
    emitter = emitter_for(state)
    if not emitter.settings.secret and state.app_secret:
        emitter.configure({"secret": state.app_secret})
    return emitter


def webhook_routes() -> list[Any]:
    """Control routes to configure deliveries (mounted by the control API)."""
    from .webhook_control import routes

    return routes()
