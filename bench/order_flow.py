"""Order flow (issue 9): Shopify orders per second from webhook to ERP sales order, and how well the
flow fills a slow ERP.

The whole stack runs on 127.0.0.1 over real HTTP, as an installation would: the Shopify sandbox
places a burst of paid orders and delivers its signed webhooks to shopbridge's web intake; workers
(``Runtime`` threads on a SQLite store) run the order flow against the Sage 200 sandbox and write the
ERP number back to Shopify (metafield + tag).

A. Zero-latency sandboxes: orders/s from the first webhook to the last ERP sales order, counted from
   the Sage 200 sandbox's own state (its sales orders by reference).
B. The Sage 200 sandbox playing Sage (150 ms per request, at most 10 at once, 429 beyond) with
   ``erp.max_concurrency = 10``: orders/s; ERP requests per order (the sandbox's admitted requests
   / orders, and which calls they are, from a log of the requests it answered); slot occupancy
   during the burst (the sandbox's busy slot-seconds / (10 x burst wall time)); refused requests
   (goal 0); the queue's oldest pending job age during the burst (``admin.status`` every 0.5 s);
   zero loss (every order exactly once in the ERP, by reference).

In the B scenarios the two sandboxes serve from processes of their own by default (``--sandboxes``,
``bench/sandbox_hosts.py``), as Shopify and the ERP would from other machines, so shopbridge's
workers do not share their GIL; the bench asks them over a pipe for the figures above.

Run: ``.venv/bin/python bench/order_flow.py [--quick]`` -> ``bench/results/order_flow.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # pgcluster: a throwaway PostgreSQL, as bench/erp_slots.py uses

from order_flow_stack import OrderFlowStack, StackOptions  # noqa: E402

from pgcluster import PgCluster  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "order_flow.json"
DEFAULT_SANDBOXES = "shared for A, own for the B scenarios"


def own_sandboxes(args: argparse.Namespace, scenario_name: str) -> bool:
    """Whether the sandboxes of this scenario serve from processes of their own."""
    if args.sandboxes is not None:
        return bool(args.sandboxes == "own")
    return scenario_name != "A"


def scenario(name: str, options: StackOptions, orders: int, timeout: float) -> dict[str, Any]:
    print(
        f"[{name}] {orders} orders, {options.workers} workers x {options.processes or 'in-process'},"
        f" latency {options.latency}s,"
        f" sandboxes {'own processes' if options.sandbox_processes else 'in-process'},"
        f" ERP limit {options.erp_limit}",
        flush=True,
    )
    with OrderFlowStack(options) as stack:
        result = stack.burst(orders, timeout=timeout)
    print(f"[{name}] {json.dumps(summary(result))}", flush=True)
    return result


def processes_scenarios(
    args: argparse.Namespace, counts: list[int], workdir: Path, orders: int
) -> dict[str, Any]:
    """B_plus with the workers in 1..N processes on one PostgreSQL: what one GIL was costing."""
    results: dict[str, Any] = {}
    cluster = PgCluster().start()
    try:
        for n in counts:
            options = StackOptions(
                workdir / f"b_plus_pg_{n}",
                workers=args.process_threads,
                latency=args.latency,
                erp_limit=args.erp_limit,
                shopify_restore_rate=args.plus_rate,
                shopify_bucket=args.plus_rate * 20,
                processes=n,
                database_url=cluster.url(cluster.create_database()),
                sandbox_processes=own_sandboxes(args, "B_plus_pg"),
            )
            results[f"B_plus_pg_{n}_processes"] = scenario(f"B_plus_pg_{n}", options, orders, args.timeout)
    finally:
        cluster.stop()
    return results


def summary(result: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "orders_per_second",
        "burst_seconds",
        "erp_requests_per_order",
        "slot_occupancy",
        "process_cpu_ms_per_order",
        "bench_process_cpu_ms_per_order",
        "refused",
        "peak_in_flight",
        "queue_oldest_age_max_seconds",
        "queue_oldest_age_median_seconds",
        "shopify_cost_points_per_order_in_burst",
        "shopify_budget_ceiling_orders_per_second",
        "sandboxes_cpu_ms_per_order",
        "lost",
        "duplicated",
    )
    return {k: result.get(k) for k in keys}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders in the burst (default 200)")
    parser.add_argument("--workers-a", type=int, default=8, help="worker threads, scenario A (default 8)")
    parser.add_argument("--workers-b", type=int, default=20, help="worker threads, scenario B (default 20)")
    parser.add_argument("--latency", type=float, default=0.150, help="ERP latency in B, seconds (0.15)")
    parser.add_argument("--erp-limit", type=int, default=10, help="ERP concurrency in B (default 10)")
    parser.add_argument("--timeout", type=float, default=150.0, help="give up on a burst after (s)")
    parser.add_argument(
        "--plus-rate",
        type=float,
        default=1000.0,
        help="B_plus: B again with Shopify's cost budget at this many points/s, bucket 10x"
        " (Plus-like; 0 skips), so the ERP side alone bounds the flow (default 1000)",
    )
    parser.add_argument(
        "--processes",
        default="",
        help="B_plus_pg: B_plus on PostgreSQL (a throwaway cluster) with shopbridge's workers in this many"
        " `shopbridge worker` processes, one run per comma-separated count, e.g. 1,3 (default: not run)",
    )
    parser.add_argument(
        "--process-threads", type=int, default=20, help="worker threads per process in B_plus_pg (default 20)"
    )
    parser.add_argument(
        "--sandboxes",
        choices=("shared", "own"),
        default=None,
        help="shared: the Shopify and Sage 200 sandboxes run in the bench's process (one GIL with"
        " shopbridge's in-process workers); own: each in a process of its own, as on other machines"
        f" (default: {DEFAULT_SANDBOXES})",
    )
    parser.add_argument("--only", choices=("A", "B", "B_plus", "B_plus_pg"), help="run one scenario")
    parser.add_argument("--quick", action="store_true", help="a small run (40 orders)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    orders = 40 if args.quick else args.orders

    load_before = os.getloadavg()  # the machine is shared: figures taken under load undercount
    workdir = Path(tempfile.mkdtemp(prefix="shopbridge-bench-orders-"))
    results: dict[str, Any] = {}
    began = time.perf_counter()
    if args.only in (None, "A"):
        results["A_zero_latency"] = scenario(
            "A",
            StackOptions(
                workdir / "a",
                workers=args.workers_a,
                latency=0.0,
                erp_limit=0,
                sandbox_processes=own_sandboxes(args, "A"),
            ),
            orders,
            args.timeout,
        )
    if args.only in (None, "B"):
        results["B_slow_erp"] = scenario(
            "B",
            StackOptions(
                workdir / "b",
                workers=args.workers_b,
                latency=args.latency,
                erp_limit=args.erp_limit,
                sandbox_processes=own_sandboxes(args, "B"),
            ),
            orders,
            args.timeout,
        )
    if args.only in (None, "B_plus") and args.plus_rate > 0:
        results["B_plus_shopify_budget"] = scenario(
            "B_plus",
            StackOptions(
                workdir / "b_plus",
                workers=args.workers_b,
                latency=args.latency,
                erp_limit=args.erp_limit,
                shopify_restore_rate=args.plus_rate,
                shopify_bucket=args.plus_rate * 20,
                sandbox_processes=own_sandboxes(args, "B_plus"),
            ),
            orders,
            args.timeout,
        )
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    if args.only in (None, "B_plus_pg") and counts:
        results.update(processes_scenarios(args, counts, workdir, orders))
    report = {
        "benchmark": "order_flow",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "quick": args.quick,
        "run_seconds": round(time.perf_counter() - began, 1),
        "what": "a burst of paid orders placed in the Shopify sandbox, signed webhooks over HTTP to the"
        " web intake, Runtime worker threads on SQLite run the order flow to the Sage 200 sandbox and"
        " write back; A: sandboxes at zero latency; B: Sage 200 sandbox at 150 ms, at most 10 at once,"
        " erp.max_concurrency = 10; B_plus: B with a Plus-like Shopify cost budget. Shopify: Standard"
        " plan budget (100 points/s, bucket 2000) unless stated. The Shopify sandbox delivers 8 webhooks"
        " at once (as Shopify does, in parallel); engine.poll_seconds is the default 0.5 (idle workers are"
        " woken by committed work). shopbridge's intake and workers run in the bench's process; the"
        " sandboxes too in A (sandboxes_in_own_processes false: one GIL for all), while in the B"
        " scenarios (by default; --sandboxes) the Shopify and Sage 200 sandboxes each serve from a"
        " process of their own, as from other machines, and answer the bench's questions about"
        " their state over a pipe (sandboxes_cpu_ms_per_order is their CPU);"
        " B_plus_pg_<n>_processes is B_plus on PostgreSQL with the workers in n `shopbridge worker`"
        " processes (the intake stays in the bench's process), the ERP's 10 slots"
        " shared through the store. A shared machine: see load_average; figures taken while others load"
        " it undercount. Figures from the sandboxes' own state.",
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "results": results,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for name, result in results.items():
        print(name, json.dumps(summary(result)))
    ok = all(r["lost"] == 0 and r["duplicated"] == 0 and r["refused"] == 0 for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
