"""Shopify delivers a shop's webhooks in parallel: the sandbox can too, each delivery still once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from test_orders_harness import Shop, running_shop

from shopbridge.sandbox.shopify.webhooks import emitter_for


class GatheringReceiver:
    """Holds each POST until ``together`` are in flight at once (or 10 s pass), and counts them."""

    def __init__(self, together: int) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.webhook_ids: Counter[str] = Counter()
        self.gathered = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.in_flight += 1
                    receiver.peak = max(receiver.peak, receiver.in_flight)
                    receiver.webhook_ids[self.headers["X-Shopify-Webhook-Id"]] += 1
                    if receiver.in_flight >= together:
                        receiver.gathered.set()
                receiver.gathered.wait(10)
                with receiver.lock:
                    receiver.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/shopify"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def shop() -> Iterator[Shop]:
    yield from running_shop()


def test_deliveries_go_out_in_parallel_and_each_once(shop: Shop) -> None:
    receiver = GatheringReceiver(together=3)
    try:
        response = shop.http.post(
            "/_sandbox/webhooks", json={"address": receiver.url, "secret": "s", "topics": ["orders/create"]}
        )
        assert response.status_code == 200, response.text
        emitter_for(shop.state).deliver_in_parallel(3)
        for _ in range(6):
            shop.place(lines=[{"variant_id": shop.variant("MUG-01"), "quantity": 1}], payment="pending")
        assert shop.http.post("/_sandbox/webhooks/flush").json()["done"] is True
    finally:
        receiver.stop()
    assert receiver.peak == 3  # one thread at a time would never gather three
    assert len(receiver.webhook_ids) == 6 and set(receiver.webhook_ids.values()) == {1}
