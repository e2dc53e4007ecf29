"""A Shopify sandbox, a webhook receiver and a config file for the onboarding commands' tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from shopbridge.cli.app import app
from shopbridge.engine.store import Store
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

TOKEN = "shpat_onboarding"
TOKEN_ENV = "SHOPBRIDGE_TEST_ONBOARDING_TOKEN"
SECRET_ENV = "SHOPBRIDGE_TEST_ONBOARDING_SECRET"
PUBLIC = "https://shop.example.test"
LIST = "{ webhookSubscriptions(first: 100) { nodes { id topic uri } } }"


@dataclass
class Receiver:
    """Records every POST; answers ``status`` (200 unless a test changes it)."""

    status: int = 200
    topics: list[str] = field(default_factory=list)
    url: str = ""

    def serve(self) -> Iterator[Receiver]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.topics.append(self.headers.get("x-shopify-topic", ""))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield self
        httpd.shutdown()
        httpd.server_close()


class Shop:
    """The sandbox over HTTP."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.sandbox.base_url, timeout=10)

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(
            server_path(),
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def subscriptions(self) -> list[dict[str, str]]:
        nodes: list[dict[str, str]] = self.data(LIST)["webhookSubscriptions"]["nodes"]
        return nodes

    def settings(self, **changes: Any) -> None:
        assert self.http.post("/_sandbox/settings", json=changes).status_code == 200

    def webhooks(self, **changes: Any) -> dict[str, Any]:
        response = self.http.post("/_sandbox/webhooks", json=changes)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def place_order(self) -> None:
        state = self.server.state
        variant = next(v["id"] for v in state.variants.values() if v["sku"] == "MUG-01")
        order = {"lines": [{"variant_id": variant, "quantity": 1}], "payment": "pending"}
        assert self.http.post("/_sandbox/orders", json=order).status_code == 201

    def flush(self) -> dict[str, Any]:
        body: dict[str, Any] = self.http.post("/_sandbox/webhooks/flush").json()
        assert body["done"] is True
        return body


def server_path() -> str:
    return "/admin/api/2026-07/graphql.json"


def running_shop() -> Iterator[Shop]:
    server = SandboxServer(SandboxSettings(access_token=TOKEN, seed_catalogue=True, seed=7))
    server.start()
    shop = Shop(server)
    yield shop
    shop.http.close()
    server.stop()


def write_config(path: Path, store: Store, shop: Shop, *, public_url: str = PUBLIC, extra: str = "") -> Path:
    url = store.engine.url.render_as_string(hide_password=False)
    path.write_text(
        f"""[database]
url = "{url}"

[web]
public_url = "{public_url}"

[[shops]]
name = "uk"
domain = "sandbox.myshopify.com"
access_token = {{ env = "{TOKEN_ENV}" }}
webhook_secrets = [{{ env = "{SECRET_ENV}" }}]
admin_url = "{shop.server.sandbox.base_url}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def invoke(config: Path, *args: str) -> Any:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})
