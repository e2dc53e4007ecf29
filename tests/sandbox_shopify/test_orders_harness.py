"""Shared fixtures for the order-side sandbox tests: a running sandbox, a GraphQL client over real
HTTP, a webhook receiver on 127.0.0.1. Imported by the other ``test_*`` modules of this folder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from shopbridge.sandbox.shopify.server import Sandbox, SandboxServer, SandboxSettings
from shopbridge.sandbox.shopify.state import ShopState

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "captures-2025-01"
TOKEN = "shpat_sandbox_token"


def load_capture(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CAPTURES / relative).read_text(encoding="utf-8"))
    return data


class Shop:
    """A sandbox over HTTP: GraphQL, control routes, and the state for white-box checks."""

    def __init__(self, server: SandboxServer, base_url: str) -> None:
        self.server = server
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=10)

    @property
    def state(self) -> ShopState:
        return self.server.state

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(
            "/admin/api/2026-07/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.graphql(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def place(self, **request: Any) -> str:
        response = self.http.post("/_sandbox/orders", json=request)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def variant(self, sku: str) -> str:
        return next(v["id"] for v in self.state.variants.values() if v["sku"] == sku)

    def close(self) -> None:
        self.http.close()
        emitter = self.state.webhook_emitter
        if emitter is not None:
            emitter.stop()


def running_shop() -> Iterator[Shop]:
    """A seeded sandbox served on 127.0.0.1 (use as ``yield from running_shop()`` in a fixture)."""
    server = SandboxServer(Sandbox(SandboxSettings(seed_catalogue=True)))
    base_url = server.start()
    client = Shop(server, base_url)
    yield client
    client.close()
    server.stop()


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records every POST and answers planned statuses."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []  # answered in order; 200 once exhausted
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/shopify"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def topics(self) -> list[str]:
        with self.lock:
            return [headers["x-shopify-topic"] for headers, _ in self.requests]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def running_receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.stop()


ORDER_FIELDS = """
  id name createdAt updatedAt cancelledAt displayFinancialStatus displayFulfillmentStatus
  currencyCode taxesIncluded email tags note
  customer { id email firstName lastName }
  shippingAddress { address1 city zip countryCodeV2 }
  subtotalPriceSet { shopMoney { amount currencyCode } }
  totalDiscountsSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } }
  totalShippingPriceSet { shopMoney { amount } }
  totalPriceSet { shopMoney { amount } }
  currentTotalPriceSet { shopMoney { amount } }
  lineItems(first: 10) { nodes {
    id sku quantity currentQuantity
    originalUnitPriceSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } }
    taxLines { title rate priceSet { shopMoney { amount } } }
    variant { id sku }
  } }
  shippingLines(first: 5) { nodes { title originalPriceSet { shopMoney { amount } }
    taxLines { rate priceSet { shopMoney { amount } } } } }
  transactions { kind status gateway amountSet { shopMoney { amount } } }
  fulfillmentOrders(first: 5) { nodes { id status assignedLocation { location { id } }
    lineItems(first: 10) { nodes { id remainingQuantity totalQuantity lineItem { id sku } } } } }
"""


def read_order(shop: Shop, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = shop.data(
        f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", {"id": order_id}
    )["order"]
    return order


def stock(shop: Shop, sku: str, location_index: int = 0) -> dict[str, int]:
    """The stored quantities of the first variant with ``sku`` at a location (white box)."""
    state = shop.state
    variant = state.variants[shop.variant(sku)]
    location = sorted(state.locations)[location_index]
    return dict(state.inventory_levels[(variant["inventory_item_id"], location)])
