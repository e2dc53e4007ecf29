"""``POST /webhooks/shopify``: verify, deduplicate, record durably, answer fast.

The order of checks is deliberate: size first (a huge body costs nothing to refuse), then the shop
(whose secrets we need), then the HMAC over the raw bytes, and only then JSON. The database work
(inbox event + flow job in one transaction, see :mod:`shopbridge.intake.webhooks`) runs in the thread
pool so the event loop keeps accepting deliveries; the ERP is never called here.

**Group commit.** Verified deliveries wait in a queue and a writer stores them in batches, one
transaction per batch, and each request is answered only after *its* batch has committed (so a 200
still means "durably stored"). Under load this turns hundreds of commits per second into tens, and
on SQLite it replaces a crowd of threads fighting over the single write lock (whose busy-wait
back-off is what made tail latency explode) with one writer. A batch that fails is retried one
delivery per transaction, so one bad delivery cannot fail its neighbours.

Answers:

* 413 when the body exceeds ``[web] max_body_bytes``;
* 401 when the shop domain is not configured. Not 404: without a configured shop we hold no secret,
  so the request is simply unauthenticated, and answering unknown shops and forged signatures alike
  does not tell a prober which shop domains exist here;
* 401 when the signature is missing or wrong; nothing is stored but a counter;
* 200 for everything verified, including duplicates, malformed JSON and unknown topics. Those two
  are kept (raw body in the inbox plus a problem) and answered 200 on purpose: any non-2xx makes
  Shopify retry the same bytes 8 times over 4 hours and then *delete the subscription*, which would
  lose every later webhook of that topic. The sweep brings the record in regardless.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shopbridge.bootstrap import Services
from shopbridge.connectors.shopify.verify import verify_signature
from shopbridge.engine import counters
from shopbridge.intake.webhooks import Delivery, Outcome, accept, accept_batch

__all__ = ["WEBHOOK_PATH", "BatchWriter", "WebhookIntake", "intake_routes"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/shopify"

DELIVERIES = Counter(
    "shopbridge_webhook_deliveries", "Shopify webhook deliveries by outcome (this process)", ["outcome"]
)


@dataclass(frozen=True)
class _Shop:
    name: str
    secrets: tuple[str, ...]


class _TooLarge(Exception):
    pass


class BatchWriter:
    """Stores deliveries in batches (group commit); ``writers`` batches may be in flight at once.

    All bookkeeping happens on the event loop (no locks needed); only the database work runs in the
    thread pool. A drain task is started when work arrives and no writer is free, and ends when the
    queue is empty, so nothing runs between requests.
    """

    def __init__(self, services: Services, *, writers: int, max_batch: int = 200) -> None:
        self._services = services
        self._routes = services.routes  # the enabled flows' topics, fixed for this process
        self._max_writers = writers
        self._max_batch = max_batch
        self._pending: list[tuple[Delivery, asyncio.Future[Outcome]]] = []
        self._writers = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, delivery: Delivery) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery, future))
        if self._writers < self._max_writers:
            self._writers += 1
            task = asyncio.get_running_loop().create_task(self._drain())
            self._tasks.add(task)  # keep a reference until it ends (asyncio holds tasks weakly)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                results = await run_in_threadpool(self._write, [d for d, _ in batch])
                for (_, future), result in zip(batch, results, strict=True):
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._writers -= 1

    def _write(self, deliveries: Sequence[Delivery]) -> list[Outcome | BaseException]:
        # A stable order takes row locks in the same order in concurrent batches (no deadlocks).
        order = sorted(range(len(deliveries)), key=lambda i: (deliveries[i].shop, deliveries[i].event_id))
        try:
            with self._services.store.begin() as conn:
                outcomes = accept_batch(
                    conn, [deliveries[i] for i in order], now=self._services.clock.now(), routes=self._routes
                )
            by_index = dict(zip(order, outcomes, strict=True))
            return [by_index[i] for i in range(len(deliveries))]
        except Exception:
            log.warning("webhook batch of %d failed; storing one by one", len(deliveries), exc_info=True)
            return [self._write_one(d) for d in deliveries]

    def _write_one(self, delivery: Delivery) -> Outcome | BaseException:
        try:
            with self._services.store.begin() as conn:
                return accept(conn, delivery, now=self._services.clock.now(), routes=self._routes)
        except Exception as exc:  # answered 500: not stored, so Shopify must deliver it again
            return exc


class WebhookIntake:
    """The endpoint; secrets are read once at start, so a missing one refuses start-up."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._limit = services.settings.web.max_body_bytes
        # One writer per process on both databases: SQLite has one writer whatever we do, and on
        # PostgreSQL fewer, larger batches measured faster than 2 or 4 parallel ones (fewer commits).
        self._writer = BatchWriter(services, writers=1)
        self._shops = {
            shop.domain: _Shop(
                shop.name,
                tuple(
                    ref.resolve(f"shops[{shop.name}].webhook_secrets[{n}]")
                    for n, ref in enumerate(shop.webhook_secrets)
                ),
            )
            for shop in services.settings.shops
        }

    async def endpoint(self, request: Request) -> Response:
        try:
            body = await self._read(request)
        except _TooLarge:
            return await self._reject(413, "too_large", f"body larger than {self._limit} bytes")
        shop = self._shops.get(request.headers.get("x-shopify-shop-domain", "").strip().lower())
        if shop is None:
            return await self._reject(401, "unknown_shop", "unknown shop")
        if not verify_signature(shop.secrets, body, request.headers.get("x-shopify-hmac-sha256")):
            return await self._reject(401, "signature", "invalid signature")
        outcome = await self._writer.submit(_delivery(shop.name, request, body))
        DELIVERIES.labels(outcome.value).inc()
        return JSONResponse({"outcome": outcome.value})

    async def _reject(self, status: int, reason: str, message: str) -> Response:
        DELIVERIES.labels(f"rejected_{reason}").inc()
        await run_in_threadpool(self._count, f"webhooks.rejected.{reason}")
        return JSONResponse({"error": message}, status_code=status)

    def _count(self, name: str) -> None:
        with self._services.store.begin() as conn:
            counters.increment(conn, name)

    async def _read(self, request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._limit:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._limit:  # a lying or absent Content-Length: stop reading at the limit
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)


def _delivery(shop: str, request: Request, body: bytes) -> Delivery:
    headers = request.headers
    webhook_id = headers.get("x-shopify-webhook-id", "")
    # Event-Id is Shopify's dedup key; Webhook-Id is stable across retries of one delivery; a body
    # hash is the last resort (the body is signed, so it cannot be forged to collide).
    event_id = headers.get("x-shopify-event-id") or webhook_id or "sha256:" + hashlib.sha256(body).hexdigest()
    return Delivery(
        shop=shop,
        topic=headers.get("x-shopify-topic", ""),
        event_id=event_id,
        body=body,
        webhook_id=webhook_id,
        api_version=headers.get("x-shopify-api-version", ""),
        triggered_at=_time(headers.get("x-shopify-triggered-at")),
    )


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def intake_routes(services: Services) -> list[BaseRoute]:
    """The intake's routes, mounted by ``web/app.py``."""
    return [Route(WEBHOOK_PATH, WebhookIntake(services).endpoint, methods=["POST"])]
