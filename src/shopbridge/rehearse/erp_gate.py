"""The ERP as the scenario makes it behave: a reverse proxy in front of the ERP sandbox or real Tryton.

Every request shopbridge's workers send the ERP passes through here: it waits for one of the ERP's
``concurrency`` slots (an ERP serves so many requests at once and queues the rest), takes
``latency_seconds`` of the ERP's time, and is answered 503 (``Retry-After: 1``) at ``error_rate``
or throughout an outage, before it reaches the ERP, so a failed request never half-happened. The
same proxy serves every vendor (they all speak HTTP), and it measures what the ERP's capacity was used
for: busy slot-seconds, requests in flight at the peak, requests served and refused.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shopbridge.sandbox.serving import ServerThread

__all__ = ["ErpGate", "GateStats"]

_HOP_BY_HOP = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
)


@dataclass
class GateStats:
    served: int = 0
    refused_outage: int = 0
    refused_errors: int = 0
    busy_slot_seconds: float = 0.0
    in_flight: int = 0
    peak_in_flight: int = 0
    # (time.monotonic() when answered, "GET /path"): what the capacity went to, in any window
    answered: list[tuple[float, str]] = field(default_factory=list)


class ErpGate:
    """``start(upstream)`` returns the proxy's URL; give that to shopbridge as the ERP's address."""

    def __init__(self, *, concurrency: int, latency: float, error_rate: float, seed: int) -> None:
        self.concurrency, self.latency, self.error_rate = concurrency, latency, error_rate
        self.stats = GateStats()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._outage_until = 0.0
        self._upstream = ""
        self._slots: asyncio.Semaphore | None = None
        # A blocking client run on the server's thread pool: closed by stop() from any thread (an
        # async client would have to be closed on the server's own event loop).
        self._client = httpx.Client(timeout=120)
        self._server = ServerThread(
            Starlette(routes=[Route("/{path:path}", self._answer, methods=_METHODS)]),
            name="rehearse-erp-gate",
        )
        self.started_at = 0.0
        self.also_on: tuple[str, ...] = ()  # addresses served besides 127.0.0.1 (a rehearsal's hosts)

    def start(self, upstream: str) -> str:
        self._upstream = upstream.rstrip("/")
        self.started_at = time.monotonic()
        self._server.also_on = self.also_on
        return self._server.start()

    def stop(self) -> None:
        self._server.stop()
        self._client.close()

    def outage(self, seconds: float) -> None:
        """The ERP is down for ``seconds`` from now: every request is refused with 503."""
        with self._lock:
            self._outage_until = time.monotonic() + seconds

    def in_outage(self) -> bool:
        with self._lock:
            return time.monotonic() < self._outage_until

    def occupancy(self, since: float, until: float) -> float:
        """Busy slot-seconds over what ``concurrency`` slots could give between ``since`` and ``until``."""
        span = max(until - since, 1e-9)
        with self._lock:
            return self.stats.busy_slot_seconds / (self.concurrency * span)

    async def _answer(self, request: Request) -> Response:
        refusal = self._refusal()
        if refusal is not None:
            return refusal
        if self._slots is None:  # made on the server's own event loop
            self._slots = asyncio.Semaphore(self.concurrency)
        body = await request.body()
        async with self._slots:
            started = time.monotonic()
            self._enter()
            try:
                if self.latency:
                    await asyncio.sleep(self.latency)
                upstream = await run_in_threadpool(
                    self._client.request,
                    request.method,
                    _target(self._upstream, request),
                    content=body,
                    headers={k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP},
                )
            finally:
                self._leave(time.monotonic() - started, _route(request))
        headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
        return Response(upstream.content, status_code=upstream.status_code, headers=headers)

    def _refusal(self) -> Response | None:
        with self._lock:
            if time.monotonic() < self._outage_until:
                self.stats.refused_outage += 1
                return _unavailable()
            if self.error_rate and self._rng.random() < self.error_rate:
                self.stats.refused_errors += 1
                return _unavailable()
        return None

    def _enter(self) -> None:
        with self._lock:
            self.stats.in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self.stats.in_flight)

    def _leave(self, seconds: float, route: str) -> None:
        with self._lock:
            self.stats.in_flight -= 1
            self.stats.served += 1
            self.stats.busy_slot_seconds += seconds
            self.stats.answered.append((time.monotonic(), route))

    def routes_between(self, since: float, until: float) -> dict[str, int]:
        """Requests answered between two ``time.monotonic()`` instants, by method and path."""
        with self._lock:
            found = Counter(route for at, route in self.stats.answered if since <= at <= until)
        return dict(found.most_common())


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _route(request: Request) -> str:
    """``GET /api/sop_orders``: the method and the path without its ids (digits, GUIDs, quoted keys)."""
    parts = [p for p in request.url.path.split("/") if p and not any(ch.isdigit() for ch in p)]
    return f"{request.method} /{'/'.join(parts)}"


def _target(upstream: str, request: Request) -> str:
    """The ERP's address for this request, its query string as sent (OData's ``$filter`` intact)."""
    query = request.url.query
    return f"{upstream}{request.url.path}" + (f"?{query}" if query else "")


def _unavailable() -> Response:
    return Response("Service Unavailable", status_code=503, headers={"Retry-After": "1"})
