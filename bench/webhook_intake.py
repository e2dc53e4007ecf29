"""Benchmark: verified, deduplicated, durably stored Shopify webhooks per second over real HTTP.

One command: ``.venv/bin/python bench/webhook_intake.py`` (``--seconds`` to change the measured
window). For each backend (SQLite in WAL, then PostgreSQL on a throwaway cluster with fsync and
synchronous_commit turned back *on*, so "durably stored" means what it says) it starts the intake
app under uvicorn in a separate process on 127.0.0.1 and drives it from this process with a small
asyncio HTTP/1.1 client (keep-alive connections, fixed concurrency; a full HTTP client library would
eat the CPU the server needs on a 2-core machine). Every webhook is signed; one in ten is a
redelivery of an earlier one, so deduplication is exercised. Afterwards the inbox is counted to check
that every accepted webhook is stored.

Writes ``bench/results/webhook_intake.json`` and prints a summary. Goal: >= 2,000/s, p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

SHOP = "bench-store.myshopify.com"
SECRET = "bench-webhook-secret"
RESULTS = ROOT / "bench" / "results" / "webhook_intake.json"


def settings_data(url: str) -> dict[str, Any]:
    return {
        "database": {"url": url, "pool_size": 20},
        "shops": [
            {
                "name": "bench",
                "domain": SHOP,
                "access_token": {"env": "BENCH_TOKEN"},
                "webhook_secrets": [{"env": "BENCH_SECRET"}],
            }
        ],
    }


# -- server process ------------------------------------------------------------------------------


def serve(url: str, fd: int) -> None:
    import uvicorn
    from starlette.applications import Starlette

    from shopbridge.bootstrap import Services
    from shopbridge.config import parse_settings
    from shopbridge.engine.clock import SystemClock
    from shopbridge.engine.store import Store
    from shopbridge.web.intake import intake_routes

    os.environ.update(BENCH_TOKEN="unused", BENCH_SECRET=SECRET)
    settings = parse_settings(settings_data(url))
    store = Store.connect(url, pool_size=20)
    app = Starlette(routes=intake_routes(Services(settings=settings, store=store, clock=SystemClock())))
    extra: dict[str, Any] = {}
    for module, option, value in (("httptools", "http", "httptools"), ("uvloop", "loop", "uvloop")):
        try:
            __import__(module)
            extra[option] = value
        except ImportError:
            pass
    # Our own socket object for the inherited descriptor: uvicorn's ``fd=`` assumes a Unix socket,
    # and asyncio then skips TCP_NODELAY, which costs a 40 ms delayed-ACK stall per response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, fileno=fd)
    config = uvicorn.Config(app, log_level="warning", access_log=False, **extra)
    # Everything built so far (modules, app, engine) lives as long as the process: keep it out of the
    # cyclic GC's reach. Otherwise each full collection re-scans all of them, finds nothing to free
    # and stops the process for 30-60 ms about once a second under load (measured with gc.callbacks),
    # which alone made p99 ~50 ms. `shopbridge run` does the same.
    gc.freeze()
    uvicorn.Server(config).run(sockets=[sock])


# -- load generator ------------------------------------------------------------------------------


def make_requests(count: int) -> tuple[list[bytes], list[int]]:
    """Signed raw HTTP requests and their event numbers; every tenth repeats an earlier delivery."""
    from shopbridge.connectors.shopify.verify import sign

    rng = random.Random(7)
    requests: list[bytes] = []
    idents: list[int] = []
    for n in range(count):
        ident = rng.randrange(max(n, 1)) if n and n % 10 == 0 else n
        line = {"id": ident, "sku": "TEE-M", "quantity": 1, "price": "15.00"}
        order = {"id": 10_000 + ident, "name": f"#{1000 + ident}", "currency": "GBP", "line_items": [line]}
        body = json.dumps({**order, "updated_at": "2026-11-22T10:00:00Z"}).encode()
        head = [
            "POST /webhooks/shopify HTTP/1.1",
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "X-Shopify-Topic: orders/create",
            f"X-Shopify-Shop-Domain: {SHOP}",
            "X-Shopify-API-Version: 2026-07",
            f"X-Shopify-Webhook-Id: wh-{ident}",
            f"X-Shopify-Event-Id: ev-{ident}",
            "X-Shopify-Triggered-At: 2026-11-22T10:00:00Z",
            f"X-Shopify-Hmac-Sha256: {sign(SECRET, body)}",
        ]
        requests.append(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        idents.append(ident)
    return requests, idents


async def one_connection(
    port: int,
    requests: list[bytes],
    cursor: list[int],
    deadline: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline and cursor[0] < len(requests):
            request = requests[cursor[0]]
            cursor[0] += 1
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(v) for k, _, v in (line.partition(":") for line in lines[1:]) if k.lower() == "content-length"
    )
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def drive(
    port: int, requests: list[bytes], seconds: float, concurrency: int
) -> tuple[list[float], dict[int, int], float, int]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    cursor = [0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(one_connection(port, requests, cursor, deadline, latencies, statuses) for _ in range(concurrency))
    )
    return latencies, statuses, time.perf_counter() - started, cursor[0]


# -- one backend -----------------------------------------------------------------------------------


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"intake server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("intake server did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def count_stored(url: str) -> tuple[int, int]:
    import sqlalchemy as sa

    from shopbridge.engine.schema import inbox_events, jobs
    from shopbridge.engine.store import Store

    store = Store.connect(url)
    with store.begin() as conn:
        events = conn.execute(
            sa.select(sa.func.count()).select_from(inbox_events).where(inbox_events.c.source == "shopify")
        ).scalar_one()
        job_count = conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar_one()
    store.close()
    return int(events), int(job_count)


def start_servers(url: str, processes: int) -> tuple[socket.socket, list[subprocess.Popen[bytes]]]:
    """``processes`` uvicorn processes accepting on one listening socket (bound here, port 0)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    command = [sys.executable, __file__, "--serve", url, "--fd", str(sock.fileno())]
    children = [subprocess.Popen(command, pass_fds=[sock.fileno()]) for _ in range(processes)]
    return sock, children


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), to report cost per webhook."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_backend(name: str, url: str, seconds: float, concurrency: int, processes: int) -> dict[str, Any]:
    from shopbridge.engine.store import Store

    store = Store.connect(url)
    store.migrate()
    store.close()
    sock, children = start_servers(url, processes)
    port = sock.getsockname()[1]
    try:
        for child in children:
            wait_for_port(port, child)
        time.sleep(1.0)  # every process has imported and is accepting
        requests, idents = make_requests(int(seconds * 6000) + 2000)
        warm = asyncio.run(drive(port, requests[-1000:], 1.0, concurrency))[3]  # warm-up on the tail
        cpu_before = cpu_seconds([c.pid for c in children])
        latencies, statuses, elapsed, sent = asyncio.run(drive(port, requests[:-1000], seconds, concurrency))
        server_cpu = cpu_seconds([c.pid for c in children]) - cpu_before
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(10)
        sock.close()
    events, job_count = count_stored(url)
    ok = statuses.get(200, 0)
    ordered = sorted(latencies)
    return {
        "backend": name,
        "seconds": round(elapsed, 2),
        "concurrency": concurrency,
        "server_processes": processes,
        "requests": len(latencies),
        "statuses": {str(k): v for k, v in statuses.items()},
        "webhooks_per_second": round(ok / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "server_cpu_ms_per_webhook": round(server_cpu * 1000 / max(len(latencies), 1), 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "distinct_webhooks_sent": len(set(idents[:sent]) | set(idents[-1000:][:warm])),
        "inbox_events_stored": events,
        "jobs_stored": job_count,
    }


def with_postgres(seconds: float, concurrency: int, processes: int) -> dict[str, Any]:
    import psycopg

    from pgcluster import PgCluster

    cluster = PgCluster().start()
    try:
        name = cluster.create_database()
        with psycopg.connect(
            cluster.url(name).replace("postgresql+psycopg", "postgresql"), autocommit=True
        ) as conn:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {setting} = on")
            conn.execute("SELECT pg_reload_conf()")
        return run_backend("postgresql", cluster.url(name), seconds, concurrency, processes)
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve")
    parser.add_argument("--fd", type=int)
    parser.add_argument("--processes", type=int, default=1, help="uvicorn processes sharing the socket")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.fd)
        return
    results = []
    for backend in args.backends.split(","):
        if backend == "sqlite":
            folder = tempfile.mkdtemp(prefix="shopbridge-bench-")
            url = f"sqlite:///{folder}/intake.db"
            results.append(run_backend("sqlite", url, args.seconds, args.concurrency, args.processes))
        else:
            results.append(with_postgres(args.seconds, args.concurrency, args.processes))
        print(json.dumps(results[-1]))
    report = {
        "benchmark": "webhook_intake",
        "goal": {"webhooks_per_second": 2000, "p99_ms": 50},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for r in results:
        rate, p50, p99, cpu = (
            r["webhooks_per_second"],
            r["p50_ms"],
            r["p99_ms"],
            r["server_cpu_ms_per_webhook"],
        )
        print(f"{r['backend']:>10}: {rate:8.1f}/s  p50 {p50} ms  p99 {p99} ms  server CPU {cpu} ms/webhook")


if __name__ == "__main__":
    main()
