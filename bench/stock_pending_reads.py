"""The stock sweep's read of pending orders at a peak (sweep15): one whole order read per order, as
before, next to the batched read (``ShopifyPendingOrderReads``, 25 orders a request).

Set-up (not timed): the Shopify sandbox with the standard catalogue, ``--orders`` orders placed (one
to three lines, at both locations; one in fifty refunded in part), the real Shopify client over HTTP.

Measured, for each path, through the flow's own function (``stock_to_shopify._new_order_lines``, what
a sweep runs for the orders it has not seen): the requests, the cost points Shopify charged (the
``extensions.cost`` of each answer, summed), the wall time, and how long those points take at Shopify
Plus's restore rate (1,000 points/s) and Standard's (100). Both paths must pend the same lines.

Run: ``.venv/bin/python bench/stock_pending_reads.py [--orders 500]`` ->
``bench/results/stock_pending_reads.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from shopbridge.config import parse_settings  # noqa: E402
from shopbridge.connectors.shopify.client import ShopifyClient  # noqa: E402
from shopbridge.domain.records import Order  # noqa: E402
from shopbridge.flows import stock_to_shopify as flow  # noqa: E402
from shopbridge.flows.spec import FlowContext  # noqa: E402
from shopbridge.flows.stock_settings import StockRules  # noqa: E402
from shopbridge.sandbox.shopify import scenario_actions as act  # noqa: E402
from shopbridge.sandbox.shopify.checkout import place_order  # noqa: E402
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stock_pending_reads.json"
TOKEN_ENV = "SHOPBRIDGE_BENCH_PENDING_TOKEN"
SKUS = ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01")


class OrderReadsOnly:
    """The client seen through ``order`` alone: the sweep's path before the batched read."""

    def __init__(self, client: ShopifyClient) -> None:
        self._client = client

    def order(self, order_id: str) -> Order | None:
        return self._client.order(order_id)


def place_orders(server: SandboxServer, count: int) -> list[str]:
    state, rng = server.sandbox.state, random.Random(15)
    locations = sorted(state.locations)
    made = []
    for n in range(count):
        lines = [{"sku": rng.choice(SKUS), "quantity": rng.randint(1, 3)} for _ in range(rng.randint(1, 3))]
        order = place_order(
            state,
            {"lines": lines, "tax": {"title": "VAT", "rate": "0.2"}, "location_id": locations[n % 2]},
        )
        if n % 50 == 7:
            act.refund_partial(state, rng, order)
        made.append(str(order["id"]))
    return made


def measure(
    client: ShopifyClient, shopify: object, rules: StockRules, order_ids: list[str]
) -> dict[str, Any]:
    calls, points = client.stats.calls, client.stats.cost_actual
    ctx = cast(FlowContext, SimpleNamespace(shopify=shopify))
    start = time.perf_counter()
    pending = flow._new_order_lines(ctx, rules, order_ids)
    wall = time.perf_counter() - start
    spent = client.stats.cost_actual - points
    return {
        "requests": client.stats.calls - calls,
        "points": round(spent),
        "points_per_order": round(spent / len(order_ids), 2),
        "wall_seconds": round(wall, 2),
        "seconds_of_plus_bucket": round(spent / 1000.0, 2),
        "seconds_of_standard_bucket": round(spent / 100.0, 2),
        "_pending": pending,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=500, help="pending orders (the full peak had ~1,500)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="how the figures were taken (say: under load)")
    args = parser.parse_args()
    os.environ.setdefault(TOKEN_ENV, uuid.uuid4().hex)
    server = SandboxServer(
        SandboxSettings(
            access_token=os.environ[TOKEN_ENV],
            seed_catalogue=True,
            seed=7,
            bucket_size=1e12,
            restore_rate=1e9,
        )
    )
    server.start()
    load_before = os.getloadavg()
    try:
        order_ids = place_orders(server, args.orders)
        settings = parse_settings(
            {
                "shops": [
                    {
                        "name": "bench",
                        "domain": server.sandbox.settings.shop_domain,
                        "admin_url": server.sandbox.base_url,
                        "access_token": {"env": TOKEN_ENV},
                        "webhook_secrets": [{"env": TOKEN_ENV}],
                        "restore_rate": 1e9,  # points are counted, not waited for
                    }
                ]
            }
        )
        locations = sorted(server.sandbox.state.locations)
        rules = StockRules({locations[0]: ("MAIN",), locations[1]: ("NORTH",)}, (), {}, 0.5, 10)
        with ShopifyClient.from_settings(settings.shops[0], timeout=600.0) as client:
            one_by_one = measure(client, OrderReadsOnly(client), rules, order_ids)
            batched = measure(client, client, rules, order_ids)
    finally:
        server.stop()
    same: bool = one_by_one.pop("_pending") == batched.pop("_pending")
    result = {
        "benchmark": "stock_pending_reads",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "note": args.note,
        "orders": args.orders,
        "same_pending_lines": same,
        "order_by_order": one_by_one,
        "batched": batched,
        "requests_ratio": round(one_by_one["requests"] / max(batched["requests"], 1), 1),
        "points_ratio": round(one_by_one["points"] / max(batched["points"], 1), 2),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
