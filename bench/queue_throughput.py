"""Queue throughput: jobs per second claimed and completed with a no-op handler.

SQLite with one worker process; PostgreSQL (a throwaway cluster) with 1, 2 and 4 worker processes.
Workers start first and poll; the jobs are then inserted in one transaction, and the clock runs from
that commit to the last job's ``finished_at``. Afterwards every job must be done with exactly one
attempt: a lost job would not be done, a doubled one would have been claimed twice.

Run: ``.venv/bin/python bench/queue_throughput.py`` -> ``bench/results/queue_throughput.json``.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pgcluster import PgCluster  # noqa: E402
from shopbridge.engine.schema import jobs  # noqa: E402
from shopbridge.engine.store import Store  # noqa: E402
from shopbridge.engine.testing import NOOP_KIND  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "queue_throughput.json"
REGISTRY = "shopbridge.engine.testing:noop_registry"
BATCH = 100
GOAL_PG_4 = 2000.0


def start_workers(url: str, processes: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "shopbridge.engine.runner", "--url", url, "--registry", REGISTRY,
        "--processes", str(processes), "--batch-size", str(BATCH), "--poll-seconds", "0.02",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def insert_jobs(store: Store, count: int) -> datetime:
    now = datetime.now(UTC)
    rows = [
        {"kind": NOOP_KIND, "payload": {"n": n}, "run_after": now, "created_at": now, "updated_at": now}
        for n in range(count)
    ]
    with store.begin() as conn:
        conn.execute(jobs.insert(), rows)
    return datetime.now(UTC)  # committed: from here on the workers can see the jobs


def wait_done(store: Store, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.begin() as conn:
            done = conn.execute(sa.select(sa.func.count()).where(jobs.c.state == "done")).scalar_one()
        if done >= count:
            return
        time.sleep(0.05)
    raise TimeoutError(f"only {done} of {count} jobs done after {timeout} s")


def verify(store: Store, count: int) -> dict[str, Any]:
    with store.begin() as conn:
        by_state = dict(conn.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)).all())
        claimed_twice = conn.execute(sa.select(sa.func.count()).where(jobs.c.attempts != 1)).scalar_one()
        last = conn.execute(sa.select(sa.func.max(jobs.c.finished_at))).scalar_one()
    ok = by_state == {"done": count} and claimed_twice == 0
    return {"ok": ok, "states": by_state, "claimed_more_than_once": claimed_twice, "last_finished": last}


def run_case(url: str, processes: int, count: int, workdir: Path) -> dict[str, Any]:
    store = Store.connect(url)
    store.migrate()
    workers = start_workers(url, processes, workdir / f"workers-{processes}.log")
    try:
        time.sleep(2.0 + processes * 0.5)  # let the processes import and start polling
        committed = insert_jobs(store, count)
        wait_done(store, count)
        result = verify(store, count)
    finally:
        workers.send_signal(signal.SIGTERM)
        workers.wait(timeout=30)
        store.close()
    seconds = (result.pop("last_finished") - committed).total_seconds()
    return {
        "processes": processes,
        "jobs": count,
        "seconds": round(seconds, 3),
        "jobs_per_second": round(count / seconds, 1),
        **result,
    }


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="shopbridge-bench-"))
    cases: list[dict[str, Any]] = []
    sqlite = run_case(f"sqlite:///{workdir / 'bench.db'}", 1, 10_000, workdir)
    cases.append({"database": "sqlite", **sqlite})
    cluster = PgCluster().start()
    try:
        for processes in (1, 2, 4):
            url = cluster.url(cluster.create_database())
            cases.append({"database": "postgresql", **run_case(url, processes, 20_000, workdir)})
    finally:
        cluster.stop()
    pg4 = next(c for c in cases if c["database"] == "postgresql" and c["processes"] == 4)
    report = {
        "benchmark": "queue_throughput",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "handler": "no-op",
        "batch_size": BATCH,
        "cases": cases,
        "goal": {
            "postgresql_4_processes_jobs_per_second": GOAL_PG_4,
            "met": pg4["jobs_per_second"] >= GOAL_PG_4,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    for case in cases:
        print(
            f"{case['database']:<10} {case['processes']} proc  {case['jobs']:>6} jobs  "
            f"{case['jobs_per_second']:>8.1f} jobs/s  {'ok' if case['ok'] else 'LOST OR DOUBLED JOBS'}"
        )
    verdict = "met" if report["goal"]["met"] else "NOT met"
    print(f"goal >= {GOAL_PG_4:.0f} jobs/s on PostgreSQL with 4 processes: {verdict}")
    return 0 if all(c["ok"] for c in cases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
