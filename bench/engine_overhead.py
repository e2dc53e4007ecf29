"""Engine overhead per job: the latency of claim + complete for one job, median and p99.

One worker, batch size 1, no-op handler, on SQLite and on PostgreSQL (a throwaway cluster), so the
figure is what the engine adds to every job. Also reports the amortised cost per job with the
default batch of 20, which is what a busy worker pays.

Run: ``.venv/bin/python bench/engine_overhead.py`` -> ``bench/results/engine_overhead.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pgcluster import PgCluster  # noqa: E402
from shopbridge.engine import queue  # noqa: E402
from shopbridge.engine.schema import jobs  # noqa: E402
from shopbridge.engine.store import Store  # noqa: E402
from shopbridge.engine.testing import NOOP_KIND  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "engine_overhead.json"
SAMPLES = 2000
WORKER = "bench-worker"


def insert_jobs(store: Store, count: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {"kind": NOOP_KIND, "payload": {}, "run_after": now, "created_at": now, "updated_at": now}
    ] * count
    with store.begin() as conn:
        conn.execute(jobs.insert(), rows)


def claim_complete(store: Store, batch_size: int) -> int:
    now = datetime.now(UTC)
    with store.begin() as conn:
        batch = queue.claim(
            conn, worker=WORKER, limit=batch_size, lease_seconds=60, now=now, kinds={NOOP_KIND}
        )
    with store.begin() as conn:
        queue.complete(conn, batch, worker=WORKER, now=datetime.now(UTC))
    return len(batch)


def per_job_latency(store: Store) -> dict[str, float]:
    insert_jobs(store, SAMPLES + 100)
    for _ in range(100):  # warm the pool, the caches and the prepared statements
        claim_complete(store, 1)
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        assert claim_complete(store, 1) == 1
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3),
        "max_ms": round(samples[-1], 3),
    }


def amortised(store: Store, batch_size: int = 20, count: int = 4000) -> float:
    insert_jobs(store, count)
    start = time.perf_counter()
    done = 0
    while done < count:
        done += claim_complete(store, batch_size)
    return round((time.perf_counter() - start) * 1000 / count, 4)


def measure(url: str) -> dict[str, Any]:
    store = Store.connect(url)
    try:
        store.migrate()
        latency = per_job_latency(store)
        return {**latency, "amortised_ms_per_job_batch_20": amortised(store)}
    finally:
        store.close()


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="shopbridge-bench-"))
    results = {"sqlite": measure(f"sqlite:///{workdir / 'overhead.db'}")}
    cluster = PgCluster().start()
    try:
        results["postgresql"] = measure(cluster.url(cluster.create_database()))
    finally:
        cluster.stop()
    report = {
        "benchmark": "engine_overhead",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "samples": SAMPLES,
        "what": "claim + complete of one job (two transactions), no-op handler, one worker",
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    for database, figures in results.items():
        print(
            f"{database:<10} claim+complete median {figures['median_ms']:.3f} ms"
            f"  p99 {figures['p99_ms']:.3f} ms "
            f"(batch of 20: {figures['amortised_ms_per_job_batch_20']:.3f} ms/job)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
