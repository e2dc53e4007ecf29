"""The order-flow bench's two sandboxes, each either in the bench's process or in a process of its own.

In one process the Shopify sandbox, the Sage 200 sandbox and shopbridge's workers share one GIL, so
on a small machine the sandboxes' CPU is taken from the workers: a real deployment has Shopify and
the ERP on other machines. ``in_own_process(ShopifyHost, ...)`` runs a host in a spawned process
serving on 127.0.0.1 and answers the bench's questions over a pipe; the figures still come from the
sandbox's own state in that process (its sales orders, its concurrency gate, its request log).
Times are ``time.perf_counter()``: CLOCK_MONOTONIC on Linux, one clock for every process.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

from shopbridge.sandbox.concurrency import ConcurrencyStats
from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.sage200.spec import match_template
from shopbridge.sandbox.shopify.checkout import new_customer, place_order
from shopbridge.sandbox.shopify.seed import BUNDLE
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings


class SageHost:
    """The Sage 200 sandbox with a log of every request it answered past its gate and faults."""

    def __init__(self, token: str, latency: float, max_concurrency: int) -> None:
        self.sandbox = Sage200Sandbox(token=token, latency=latency, max_concurrency=max_concurrency)
        self.sandbox.app.check_answers = False  # its self-check; shopbridge's requests are still checked
        self._lock = threading.Lock()
        self._entries: list[tuple[float, str, str]] = []
        answer = self.sandbox.app.answer

        def logged(request: Any, body: bytes) -> Any:
            path = "/" + request.path_params["path"]
            template = match_template(path) or path
            with self._lock:
                self._entries.append((time.perf_counter(), request.method.upper(), template))
            return answer(request, body)

        self.sandbox.app.answer = logged  # type: ignore[method-assign]

    def start(self) -> dict[str, str]:
        base_url = self.sandbox.start()
        return {"base_url": base_url, "site_id": self.sandbox.site_id, "company_id": self.sandbox.company_id}

    def stop(self) -> None:
        self.sandbox.stop()

    def stock_items(self, skus: list[str], price: Decimal, warehouse: str, free: Decimal) -> None:
        for sku in skus:
            self.sandbox.add_item(sku, name=sku, price=price)
            self.sandbox.set_stock(sku, warehouse, free)

    def erp_orders(self) -> Counter[str]:
        """Sales orders by reference (Shopify order name), from the sandbox's own state."""
        with self.sandbox.state.lock:
            return Counter(str(r.get("customer_document_no")) for r in self.sandbox.state.all("sop_orders"))

    def concurrency(self) -> ConcurrencyStats:
        return self.sandbox.concurrency()

    def reset_concurrency(self) -> None:
        self.sandbox.reset_concurrency()

    def clear_log(self) -> None:
        with self._lock:
            self._entries.clear()

    def calls(self, until: float | None = None) -> Counter[str]:
        with self._lock:
            return Counter(f"{m} {t}" for at, m, t in self._entries if until is None or at <= until)


class ShopifyHost:
    """The Shopify sandbox: a seeded shop that places paid orders and delivers their signed webhooks."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.server = SandboxServer(settings)
        self._lock = threading.Lock()
        self.first_webhook: float | None = None
        self.deliveries = 0

    def start(self) -> dict[str, Any]:
        self.server.start()
        state = self.server.state
        with state.lock:
            locations = sorted(state.locations)
        return {
            "base_url": self.server.sandbox.base_url,
            "locations": locations,
            "skus": sorted(self._skus()),
        }

    def stop(self) -> None:
        emitter = self.server.state.webhook_emitter
        if emitter is not None:
            emitter.flush(timeout=10)
        self.server.stop()

    def _skus(self) -> set[str]:
        """SKUs of the active products, bundles left out."""
        state = self.server.state
        with state.lock:
            active = {pid for pid, p in state.products.items() if p.get("status") == "ACTIVE"}
            return {
                str(v["sku"])
                for v in state.variants.values()
                if str(v.get("product_id")) in active
                and v.get("sku")
                and not v.get("components")
                and v["sku"] != BUNDLE[1]
            }

    def new_customer(self, fields: dict[str, Any]) -> str:
        return str(new_customer(self.server.state, fields))

    def place_order(self, order: dict[str, Any]) -> str:
        """Place one order; its name (what the ERP's sales order carries as reference)."""
        return str(place_order(self.server.state, order)["name"])

    def deliver_webhooks(self, url: str, threads: int) -> None:
        """Deliver to ``url``, ``threads`` at once, nothing dropped or duplicated; time the first."""
        self.server.sandbox.settings.webhook_url = url
        self.server.sandbox.start_webhooks()
        emitter = self.server.state.webhook_emitter
        assert emitter is not None
        emitter.settings.update({"duplicate_rate": 0.0, "drop_rate": 0.0, "jitter": 0.0})
        emitter.deliver_in_parallel(threads)
        post = emitter._post

        def timed_post(client: Any, delivery: Any) -> Any:
            with self._lock:
                if self.first_webhook is None:
                    self.first_webhook = time.perf_counter()
                self.deliveries += 1
            return post(client, delivery)

        emitter._post = timed_post  # type: ignore[method-assign]

    def reset_deliveries(self) -> None:
        with self._lock:
            self.first_webhook = None
            self.deliveries = 0

    def delivery_figures(self) -> tuple[float | None, int]:
        with self._lock:
            return self.first_webhook, self.deliveries

    def flush(self, timeout: float) -> bool:
        emitter = self.server.state.webhook_emitter
        assert emitter is not None, "the Shopify sandbox is not delivering webhooks"
        return emitter.flush(timeout=timeout)


class RemoteHost:
    """A host in its own spawned process; ``remote.name(*args)`` calls ``host.name(*args)`` there."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self._process = process
        self._conn = conn
        self._lock = threading.Lock()  # one question at a time on the pipe

    def call(self, name: str, *args: Any) -> Any:
        with self._lock:
            self._conn.send((name, args))
            outcome, value = self._conn.recv()
        if outcome == "error":
            raise RuntimeError(f"sandbox process: {name}: {value}")
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.call(name, *args)

    def stop(self) -> None:
        try:
            self.call("stop")
        finally:
            self._conn.close()
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(timeout=5)

    def pid(self) -> int | None:
        return self._process.pid


def in_own_process(host: type[SageHost] | type[ShopifyHost], *args: Any) -> RemoteHost:
    """Start ``host(*args)`` in a spawned process; it serves until ``stop``."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=serve, args=(host, args, theirs), name=f"bench-{host.__name__}", daemon=True
    )
    process.start()
    theirs.close()
    return RemoteHost(process, ours)


def serve(host_type: type[SageHost] | type[ShopifyHost], args: tuple[Any, ...], conn: Connection) -> None:
    """The child: build the host, then answer calls until ``stop`` (or the parent goes away)."""
    host = host_type(*args)
    while True:
        try:
            name, call_args = conn.recv()
        except EOFError:
            host.stop()
            return
        try:
            conn.send(("ok", getattr(host, name)(*call_args)))
        except Exception as exc:  # sent back to the bench, which raises it there
            conn.send(("error", repr(exc)))
        if name == "stop":
            return
