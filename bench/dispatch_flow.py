"""Dispatch flow (issue 10): ERP dispatches -> Shopify fulfilments, against Shopify's cost budget.

The Shopify sandbox runs in-process on 127.0.0.1 with a restore rate of 50 points/s (bucket 20 s of
restore, as Shopify sizes it) and holds the paid orders; an in-memory ERP holds one despatch per
order (full lines, a tracking number each); shopbridge runs as an installation does: a TOML config,
``build_services``, a SQLite store, ``Runtime`` worker threads. The orders are recorded as posted
(what the order flow leaves behind), then one dispatch sweep enqueues a job per dispatch and the
workers fulfil them over real HTTP: per dispatch one read of the order's fulfilment orders and one
``fulfillmentCreate``.

Reported: fulfilments per second (first sweep to the last fulfilment, counted from the sandbox's own
fulfilments); the share of the cost budget used while saturated (points charged / (points available
at the start + restore rate x seconds)); THROTTLED answers seen on the wire and surfaced to the flow
(goal 0: the client waits them out); and zero loss (every dispatch fulfilled exactly once).

Run: ``.venv/bin/python bench/dispatch_flow.py [--dispatches 2000] [--workers 4]``
-> ``bench/results/dispatch_flow.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "dispatch_flow.json"
SKUS = ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01")
ENV_TOKEN, ENV_SECRET = "SHOPBRIDGE_BENCH_SHOPIFY_TOKEN", "SHOPBRIDGE_BENCH_WEBHOOK_SECRET"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dispatches", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--restore-rate", type=float, default=50.0)
    args = parser.parse_args()
    result = run(args.dispatches, args.workers, args.restore_rate)
    report = {
        "benchmark": "dispatch_flow",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "goal": {"budget_share_used": 0.9, "throttled_surfaced": 0, "lost_or_duplicated": 0},
        "dispatches": args.dispatches,
        "workers": args.workers,
        "result": result,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def run(count: int, workers: int, restore_rate: float) -> dict[str, Any]:
    from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

    os.environ.setdefault(ENV_TOKEN, secrets.token_hex(16))
    os.environ.setdefault(ENV_SECRET, secrets.token_hex(16))
    server = SandboxServer(
        SandboxSettings(
            access_token=os.environ[ENV_TOKEN],
            webhook_secret=os.environ[ENV_SECRET],
            seed_catalogue=True,
            seed=7,
        )
    )
    server.start()
    try:
        orders = place_orders(server, count)
        with tempfile.TemporaryDirectory() as folder:
            return fulfil(server, orders, Path(folder), workers, restore_rate)
    finally:
        server.stop()


def place_orders(server: Any, count: int) -> list[dict[str, Any]]:
    """Paid orders of one or two lines, placed in-process (the checkout is not what is measured)."""
    from shopbridge.sandbox.shopify.checkout import place_order

    state = server.state
    with state.lock:  # plenty on the shelf: the bench measures fulfilments, not stock-outs
        for quantities in state.inventory_levels.values():
            quantities["available"] = quantities.get("available", 0) + count * 4
    placed = []
    for n in range(count):
        lines = [{"sku": SKUS[n % len(SKUS)], "quantity": 1 + n % 2}]
        if n % 3 == 0:
            lines.append({"sku": SKUS[(n + 2) % len(SKUS)], "quantity": 1})
        order = place_order(
            state,
            {
                "lines": lines,
                "payment": "paid",
                "customer": {"email": f"bench{n}@example.com", "firstName": "Bench", "lastName": str(n)},
            },
        )
        placed.append({"id": str(order["id"]), "name": str(order["name"]), "lines": lines})
    return placed


def fulfil(
    server: Any, orders: list[dict[str, Any]], folder: Path, workers: int, restore_rate: float
) -> dict[str, Any]:
    from shopbridge.bootstrap import Runtime, build_services
    from shopbridge.config import load_settings
    from shopbridge.domain.order_sync import OrderSync, SyncStatus
    from shopbridge.engine import queue
    from shopbridge.engine.uow import StoreUnitOfWork

    config = write_config(folder, server.sandbox.base_url, restore_rate)
    services = build_services(load_settings(config))
    services.store.migrate()
    services._erp = FeedErp(orders)
    uow = StoreUnitOfWork(services.store, services.clock)
    with uow.begin() as tx:
        for order in orders:
            tx.save_order_sync(
                OrderSync("bench", order["id"], order["name"], SyncStatus.POSTED, erp_id=order["name"])
            )
    bucket = server.sandbox.bucket
    bucket.configure(maximum=restore_rate * 20, restore_rate=restore_rate)
    bucket.refill_fully()
    initially = float(bucket.status()["currentlyAvailable"])
    client = services.shopify("bench")
    runtime = Runtime(services, threads=workers, name="bench-")
    started = time.monotonic()
    with services.store.begin() as conn:
        queue.enqueue(conn, "sweep.erp_dispatches", {}, shop="bench", now=services.clock.now())
    runtime.start()
    try:
        seconds = wait_for(server, len(orders), started)
    finally:
        runtime.stop(timeout=30)
    counts = tally(server, orders)
    states = job_states(services)
    services.close()
    budget = initially + restore_rate * seconds
    return {
        "fulfilments_per_second": round(counts["fulfilled"] / seconds, 2),
        "seconds": round(seconds, 1),
        "budget_share_used": round(client.stats.cost_actual / budget, 3),
        "cost_points_charged": round(client.stats.cost_actual, 1),
        "cost_points_per_fulfilment": round(client.stats.cost_actual / max(counts["fulfilled"], 1), 1),
        "restore_rate": restore_rate,
        "initially_available": initially,
        "throttled_seen": client.stats.throttled_seen,
        "throttled_surfaced": client.stats.throttled_surfaced,
        "calls": client.stats.calls,
        "jobs": states,
        **counts,
    }


def wait_for(server: Any, count: int, started: float, timeout: float = 3600.0) -> float:
    """Seconds until the sandbox holds ``count`` fulfilments (or the timeout)."""
    while time.monotonic() - started < timeout:
        with server.state.lock:
            done = len(server.state.fulfillments)
        if done >= count:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def tally(server: Any, orders: list[dict[str, Any]]) -> dict[str, int]:
    """Fulfilments per dispatch, from the sandbox's own state (a dispatch's tracking number)."""
    with server.state.lock:
        numbers = [n for f in server.state.fulfillments.values() for n in f["tracking_numbers"]]
    per = {f"BENCH-{o['name'].lstrip('#')}": 0 for o in orders}
    for number in numbers:
        if number in per:
            per[number] += 1
    return {
        "dispatches": len(per),
        "fulfilled": sum(1 for n in per.values() if n >= 1),
        "duplicates": sum(1 for n in per.values() if n > 1),
        "lost": sum(1 for n in per.values() if n == 0),
    }


def job_states(services: Any) -> dict[str, int]:
    import sqlalchemy as sa

    from shopbridge.engine.schema import jobs

    with services.store.begin() as conn:
        rows = conn.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)).all()
    return {str(state): int(n) for state, n in rows}


class FeedErp:
    """An ERP holding one despatch per order: the feed the sweep reads (pages of 200)."""

    def __new__(cls, orders: list[dict[str, Any]]) -> Any:
        from shopbridge.connectors.erp.memory import MemoryErp
        from shopbridge.domain.records import Dispatch, DispatchLine
        from shopbridge.ports.erp import Page

        now = datetime.now(UTC)
        feed = [
            Dispatch(
                erp_id=f"DSP-{o['name'].lstrip('#')}",
                order_reference=o["name"],
                dispatched_at=now,
                lines=tuple(DispatchLine(line["sku"], line["quantity"]) for line in o["lines"]),
                carrier="DPD",
                tracking_numbers=(f"BENCH-{o['name'].lstrip('#')}",),
            )
            for o in orders
        ]

        class _Feed(MemoryErp):
            def dispatches_since(self, cursor: str | None, limit: int = 100) -> Page[Dispatch]:
                start = int(cursor or 0)
                items = tuple(feed[start : start + limit])
                return Page(items, str(start + len(items)), start + len(items) < len(feed))

        return _Feed()


def write_config(folder: Path, admin_url: str, restore_rate: float) -> Path:
    path = folder / "shopbridge.toml"
    path.write_text(
        f"""[database]
url = "sqlite:///{(folder / "shopbridge.db").resolve()}"

[engine]
poll_seconds = 0.02

[schedules]
order_sweep = 0
erp_items = 0
erp_stock = 0
erp_dispatches = 0

[flows]
orders = false
customers = false
stock = false
catalogue = false
fulfilments = true
refunds = false
payouts = false

[lookups.carriers]
DPD = "DPD UK"

[[shops]]
name = "bench"
domain = "bench-sandbox.myshopify.com"
admin_url = "{admin_url}"
access_token = {{ env = "{ENV_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_SECRET}" }}]
restore_rate = {restore_rate}
notify_customers = false

[erp]
vendor = "tryton"

[erp.tryton]  # replaced by the in-memory feed ERP; the section only says an ERP is there
url = "http://127.0.0.1:9"
database = "bench"
password = {{ env = "{ENV_SECRET}" }}
""",
        encoding="utf-8",
    )
    return path


if __name__ == "__main__":
    sys.exit(main())
