"""``POST /webhooks/shopify``: verify, deduplicate, record durably, answer fast.

The order of checks is deliberate: size first (a huge body costs nothing to refuse), then the shop
(whose secrets we need), then the HMAC over the raw bytes, and only then JSON. The database work
(one transaction: inbox event + flow job, see :mod:`shopbridge.flows.intake`) runs in the thread
pool so the event loop keeps accepting deliveries; the ERP is never called here.

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

import hashlib
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
from shopbridge.flows.intake import Delivery, Outcome, accept

__all__ = ["WEBHOOK_PATH", "WebhookIntake", "intake_routes"]

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


class WebhookIntake:
    """The endpoint; secrets are read once at start, so a missing one refuses start-up."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._limit = services.settings.web.max_body_bytes
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
        outcome = await run_in_threadpool(self._accept, _delivery(shop.name, request, body))
        DELIVERIES.labels(outcome.value).inc()
        return JSONResponse({"outcome": outcome.value})

    def _accept(self, delivery: Delivery) -> Outcome:
        with self._services.store.begin() as conn:
            return accept(conn, delivery, now=self._services.clock.now())

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
