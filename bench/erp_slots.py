"""ERP concurrency slots: what holding a slot adds to every ERP request, and how well it fills the ERP.

1. Overhead: acquire + release of one free slot (two short transactions), median and p99, on SQLite
   and on PostgreSQL (a throwaway cluster): what ``erp.max_concurrency`` adds to each ERP request.
2. Under load: 40 threads send 400 requests through ``SlotLimitedTransport`` (10 slots) to the Sage
   200 sandbox playing Sage (150 ms latency, at most 10 at once, 429 beyond). The sandbox counts its
   own truth: refusals (goal 0), peak in flight (<= 10) and occupancy = busy slot-seconds / (10 x wall
   time), how close the limiter keeps the ERP to full use (1.0 is the ceiling).

Run: ``.venv/bin/python bench/erp_slots.py`` -> ``bench/results/erp_slots.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pgcluster import PgCluster  # noqa: E402
from shopbridge.config.erp import Sage200Settings  # noqa: E402
from shopbridge.config.secrets import SecretRef  # noqa: E402
from shopbridge.connectors.erp.limits import SlotLimitedTransport  # noqa: E402
from shopbridge.connectors.erp.sage200.client import Sage200Client  # noqa: E402
from shopbridge.engine.schema import erp_slots  # noqa: E402
from shopbridge.engine.slots import Slots  # noqa: E402
from shopbridge.engine.store import Store  # noqa: E402
from shopbridge.sandbox.sage200 import Sage200Sandbox  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "erp_slots.json"
SAMPLES = 2000
LIMIT, LATENCY, THREADS, PER_THREAD = 10, 0.150, 40, 10


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def overhead(slots: Slots) -> dict[str, float]:
    for _ in range(100):  # warm the pool and the statement caches
        with slots.hold():
            pass
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        with slots.hold():
            pass
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {
        "median_ms": ms(statistics.median(samples)),
        "p99_ms": ms(samples[int(len(samples) * 0.99)]),
        "max_ms": ms(samples[-1]),
    }


def under_load(slots: Slots) -> dict[str, Any]:
    sandbox = Sage200Sandbox(latency=LATENCY, max_concurrency=LIMIT)
    sandbox.start()
    settings = Sage200Settings(
        base_url=sandbox.base_url,
        site_id=sandbox.site_id,
        company_id=sandbox.company_id,
        access_token=SecretRef(env="UNUSED"),
        timeout_seconds=30,
    )
    transport = SlotLimitedTransport(httpx.HTTPTransport(limits=httpx.Limits(max_connections=THREADS)), slots)
    client = Sage200Client(settings, sandbox.token, transport=transport)
    errors: list[str] = []
    start_line = threading.Barrier(THREADS)

    def work() -> None:
        start_line.wait()
        for _ in range(PER_THREAD):
            try:
                client.get_list("/sites")
            except Exception as exc:  # counted and reported
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    try:
        client.get_list("/sites")  # warm the connection and the sandbox
        sandbox.reset_concurrency()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        stats = sandbox.concurrency()
    finally:
        client.close()
        sandbox.stop()
    requests = THREADS * PER_THREAD
    return {
        "requests": requests,
        "errors": len(errors),
        "first_errors": errors[:3],
        "sandbox_admitted": stats.admitted,
        "sandbox_refused": stats.refused,
        "sandbox_peak_in_flight": stats.peak_in_flight,
        "sandbox_busy_slot_seconds": round(stats.busy_slot_seconds, 3),
        "sandbox_wall_seconds": round(stats.wall_seconds, 3),
        "sandbox_occupancy": round(stats.occupancy or 0.0, 4),
        "requests_per_second": round(requests / wall, 2),
        "ceiling_requests_per_second": round(LIMIT / LATENCY, 2),
    }


def measure(url: str) -> dict[str, Any]:
    store = Store.connect(url, pool_size=THREADS)
    try:
        erp_slots.create(store.engine, checkfirst=True)
        return {
            "acquire_release": overhead(Slots(store, limit=LIMIT, pool="bench-overhead")),
            "under_load": under_load(Slots(store, limit=LIMIT, pool="bench-load")),
        }
    finally:
        store.close()


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="shopbridge-bench-"))
    results = {"sqlite": measure(f"sqlite:///{workdir / 'slots.db'}")}
    cluster = PgCluster().start()
    try:
        results["postgresql"] = measure(cluster.url(cluster.create_database()))
    finally:
        cluster.stop()
    report = {
        "benchmark": "erp_slots",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "samples": SAMPLES,
        "what": "acquire + release of one ERP slot (two transactions); and 40 threads x 10 requests through"
        " 10 slots to the Sage 200 sandbox at 150 ms latency, at most 10 at once",
        "results": results,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    for database, figures in results.items():
        print(database, json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
