"""Helpers for the tests that run against the Shopify sandbox and a real intake server."""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.errors import ShopbridgeError, Throttled
from shopbridge.sandbox.shopify.server import SandboxServer

TOKEN_ENV, SECRET_ENV = "SANDBOX_SHOPIFY_TOKEN", "SANDBOX_SHOPIFY_SECRET"


class Served:
    """uvicorn serving ``app`` in a thread on a free 127.0.0.1 port (``with`` to start and stop)."""

    def __init__(self, app: Starlette) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


class FakeTime:
    """A monotonic clock whose ``sleep`` moves time instead of waiting; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settings_data(sandbox: SandboxServer) -> dict[str, Any]:
    """A configuration with one shop: the sandbox."""
    return {
        "shops": [
            {
                "name": "sandbox",
                "domain": sandbox.sandbox.settings.shop_domain,
                "admin_url": sandbox.sandbox.base_url,
                "access_token": {"env": TOKEN_ENV},
                "webhook_secrets": [{"env": SECRET_ENV}],
                "restore_rate": sandbox.sandbox.bucket.status()["restoreRate"],
            }
        ],
        "schedules": {"order_sweep_overlap": 60},
    }


def control(sandbox: SandboxServer, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{sandbox.sandbox.base_url}/_sandbox/{path}"
    answer = httpx.post(url, json=body or {}, timeout=30) if body is not None else httpx.get(url, timeout=30)
    answer.raise_for_status()
    return answer.json()


def place_order(sandbox: SandboxServer, variant_id: str, quantity: int = 1) -> str:
    order = {
        "lines": [{"variant_id": variant_id, "quantity": quantity}],
        "email": "buyer@example.com",
        "tax": {"title": "VAT", "rate": "0.2"},
        "shipping": {"title": "Standard", "price": "4.95"},
    }
    return str(control(sandbox, "orders", order)["id"])


@dataclass(frozen=True)
class PushResult:
    """What a saturating inventory push achieved against the sandbox's cost bucket."""

    seconds: float
    calls: int
    cost_used: float
    initially_available: float
    restore_rate: float
    throttled_seen: int
    throttled_surfaced: int
    errors: int

    @property
    def budget(self) -> float:
        """Points the bucket could give in the window: what it held at the start plus the restore."""
        return self.initially_available + self.restore_rate * self.seconds

    @property
    def fraction_used(self) -> float:
        return self.cost_used / self.budget

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "budget": round(self.budget, 1),
            "fraction_used": round(self.fraction_used, 4),
        }


def level_quantities(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """Every stocked level of the sandbox, as ``inventorySetQuantities`` quantities (CAS skipped)."""
    levels = control(sandbox, "state")["inventory_levels"]
    return [
        {
            "inventoryItemId": lv["inventory_item_id"],
            "locationId": lv["location_id"],
            "changeFromQuantity": None,
        }
        for lv in levels
    ]


def saturating_push(
    sandbox: SandboxServer, client: ShopifyClient, *, seconds: float, restore_rate: float, threads: int = 4
) -> PushResult:
    """Push stock from ``threads`` workers sharing ``client`` for ``seconds``, as fast as pacing allows."""
    control(
        sandbox, "settings", {"restore_rate": restore_rate, "bucket_size": restore_rate * 20, "refill": True}
    )
    initially = float(control(sandbox, "settings")["currently_available"])
    quantities = level_quantities(sandbox)
    surfaced, errors = [0], [0]
    deadline = time.monotonic() + seconds

    def push(worker: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            rows = [{**q, "quantity": (n + worker + i) % 50} for i, q in enumerate(quantities)]
            variables = {"input": {"name": "available", "reason": "correction", "quantities": rows}}
            try:
                client.mutate("inventory_set_quantities", variables, key=str(uuid.uuid4()))
            except Throttled:
                surfaced[0] += 1
            except ShopbridgeError:
                errors[0] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=push, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return PushResult(
        seconds=time.monotonic() - started,
        calls=client.stats.calls,
        cost_used=client.stats.cost_actual,
        initially_available=initially,
        restore_rate=restore_rate,
        throttled_seen=client.stats.throttled_seen,
        throttled_surfaced=surfaced[0] + client.stats.throttled_surfaced,
        errors=errors[0],
    )


def refunded_orders(sandbox: SandboxServer, count: int) -> list[str]:
    """``count`` orders of two lines, refunded in one, two or three refunds (partial, then full)."""
    from shopbridge.sandbox.shopify import scenario_actions as act
    from shopbridge.sandbox.shopify.checkout import place_order

    state, rng = sandbox.state, random.Random(11)
    made = []
    for n in range(count):
        order = place_order(
            state,
            {
                "lines": [{"sku": "TEE-M", "quantity": 2 + n % 2}, {"sku": "MUG-01", "quantity": 1}],
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": n % 2 == 0,
                "payment": "paid",
                "shipping": {"title": "Standard", "price": "4.80", "code": "STD"},
            },
        )
        for _ in range(n % 3):
            act.refund_partial(state, rng, order)
        if n % 2:
            act.refund_full(state, order, restock=False)
        made.append(str(order["id"]))
    return made


class NodesRecorder:
    """Answers the batched ``nodes(ids:)`` read ``document`` with one prepared node per id, any other
    read with ``{"order": None}``; records every document asked for."""

    def __init__(self, document: str, node: Mapping[str, Any]) -> None:
        self.document = document
        self.node = node
        self.asked: list[str] = []

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any:
        self.asked.append(name)
        if name == self.document:
            return {"nodes": [self.node for _ in (variables or {})["ids"]]}
        return {"order": None}
