"""A sandbox started with a webhook address delivers its catalogue events there, signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from sandbox_catalog_support import TOKEN

from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

SECRET = "wiring-secret"


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/shopify"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_customer_create_reaches_the_webhook_address_signed(receiver: str) -> None:
    settings = SandboxSettings(access_token=TOKEN, webhook_url=receiver, webhook_secret=SECRET)
    sandbox = SandboxServer(settings)
    sandbox.start()
    try:
        query = 'mutation { customerCreate(input: {email: "hook@example.com"}) { customer { id } } }'
        httpx.post(sandbox.graphql_url, json={"query": query}, headers={"X-Shopify-Access-Token": TOKEN})
        emitter = sandbox.state.webhook_emitter
        assert emitter is not None
        assert emitter.flush(timeout=10)
    finally:
        sandbox.stop()
    headers, body = Receiver.received[0]
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["x-shopify-topic"] == "customers/create"
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert lowered["x-shopify-hmac-sha256"] == expected
    assert json.loads(body)["email"] == "hook@example.com"
