"""Throughput against ``rehearse --workers N`` (issue 15): how it grows with N until a limit binds.

A short peak shaped like ``black-friday`` (its preset: bestsellers running out, Shopify Plus), with
orders placed faster than one worker process can carry them, is rehearsed on PostgreSQL (a
throwaway cluster, ``tests/pgcluster.py``) once for each N in ``--counts`` (1, 2, 3, 4 by default),
each with few threads per worker (``--threads``, 2 by default), so one worker alone cannot fill the
ERP's concurrency and each added worker adds ERP requests in flight until the ERP's slots are full.

The defaults put the ERP's bound at about three workers: a worker thread spends ~92% of an order's
time waiting on the ERP (~4.5 requests of ~0.21 s each), so 2 threads hold ~1.8 of the ERP's 5
slots; 3 workers ask for ~5.5, more than the 5 there are. The ERP then carries about 5 / (0.21 x
4.5) = 5.3 orders/s, below the 8 placed each second, and far below Shopify Plus's 1,000 points/s
(~26 orders/s at ~38 points an order). Latency 0.2 s keeps the rates (and so the CPU the sandboxes
and the workers need) low enough for a shared 2-CPU machine.

Recorded per N, all from the rehearsal's own result (the sandboxes' counters, the queue): orders per
second sustained over the peak window (first peak order to the drained queue), the ERP's share of
its concurrency, the Shopify budget's share, which limit bounds it (``bound_by``), the mean time
an ERP request held its gate slot (the gate's latency plus the ERP sandbox's own answer: if this
grows well past the latency, the rehearsal's own process, not the ERP, is slowing the ERP), and the
ground truth's verdict. The load average before and after each run says how shared the machine was.

Run: ``.venv/bin/python bench/rehearse_workers.py [--orders N] [--rate R] [--counts 1,2,3,4]``
-> ``bench/results/rehearse_workers.json``.
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
sys.path.insert(0, str(ROOT / "tests"))  # pgcluster: a throwaway PostgreSQL, as the other benches use

from pgcluster import PgCluster  # noqa: E402
from shopbridge.rehearse.database import prepare_database  # noqa: E402
from shopbridge.rehearse.runner import Rehearsal  # noqa: E402
from shopbridge.rehearse.scenario import Scenario, load_scenario  # noqa: E402
from shopbridge.rehearse.stack import StackSpec  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "rehearse_workers.json"


def scenario(args: argparse.Namespace) -> Scenario:
    """black-friday, its peak shortened to ``--orders`` at ``--rate`` and its ERP set as asked."""
    preset = load_scenario("black-friday")
    trade = preset.trade.model_copy(update={"orders": args.orders, "orders_per_second": args.rate})
    erp = preset.erp.model_copy(update={"latency_seconds": args.latency, "concurrency": args.concurrency})
    return preset.model_copy(update={"trade": trade, "erp": erp, "drain_timeout_seconds": args.drain_timeout})


def figures(result: dict[str, Any]) -> dict[str, Any]:
    peak, limits = result["peak"], result["limits"]
    requests = limits["erp_requests_in_peak"]["total"]
    return {
        "orders_placed": peak["orders_placed"],
        "seconds_placing": peak["seconds_placing"],
        "window_seconds": peak["window_seconds"],
        "orders_per_second_sustained": peak["orders_per_second_sustained"],
        "erp_concurrency_share_used": limits["erp_concurrency_share_used"],
        "shopify_budget_share_used": limits["shopify_budget_share_used"],
        "bound_by": limits["bound_by"],
        "erp_peak_in_flight": limits["erp_peak_in_flight"],
        "erp_requests_in_peak": requests,
        "erp_requests_per_peak_order": round(requests / max(peak["orders_placed"], 1), 2),
        "erp_slot_seconds_per_request": limits["erp_slot_seconds_per_request"],
        "peak_queue_age_seconds": peak["peak_queue_age_seconds"],
        "time_to_drain_seconds": peak["time_to_drain_seconds"],
        "ground_truth_ok": result["ok"],
        "findings": result["findings"],
    }


def rehearse(args: argparse.Namespace, cluster: PgCluster, workers: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"shopbridge-bench-workers{workers}-"))
    url = cluster.url(cluster.create_database())
    spec = StackSpec(workdir, args.erp, prepare_database(url, workdir), workers, args.threads)
    load_before = os.getloadavg()
    began = time.perf_counter()
    result = Rehearsal(scenario(args), spec).run()
    row = {
        "workers": workers,
        "threads_per_worker": args.threads,
        "run_seconds": round(time.perf_counter() - began, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **figures(result),
    }
    print(json.dumps({k: v for k, v in row.items() if k != "findings"}), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=160, help="peak orders per run (default 160)")
    parser.add_argument("--rate", type=float, default=8.0, help="peak orders placed per second (default 8)")
    parser.add_argument("--counts", default="1,2,3,4", help="worker processes to try (default 1,2,3,4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker process (default 2)")
    parser.add_argument("--latency", type=float, default=0.2, help="ERP seconds per request (default 0.2)")
    parser.add_argument("--concurrency", type=int, default=5, help="ERP requests at once (default 5)")
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument("--erp", default="sage200", help="sage200 (default), syspro, prima or tryton")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="how the figures were taken (say: under load)")
    args = parser.parse_args()
    counts = [int(n) for n in args.counts.split(",")]
    cluster = PgCluster().start()
    try:
        rows = [rehearse(args, cluster, n) for n in counts]
    finally:
        cluster.stop()
    report = {
        "benchmark": "rehearse_workers",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "note": args.note,
        "erp": args.erp,
        "database": "postgresql",
        "scenario": scenario(args).model_dump(mode="json"),
        "runs": rows,
        "summary": summary(rows),
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["summary"], indent=2))
    return 0 if all(row["ground_truth_ok"] for row in rows) else 1


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Throughput per N, its gain over N-1, and the limit named by the last run (the largest N)."""
    table = []
    before = None
    for row in rows:
        rate = row["orders_per_second_sustained"]
        table.append(
            {
                "workers": row["workers"],
                "orders_per_second": rate,
                "gain_over_previous": None if before is None else round(rate / max(before, 1e-9), 2),
                "erp_share": row["erp_concurrency_share_used"],
                "shopify_share": row["shopify_budget_share_used"],
                "erp_slot_seconds_per_request": row["erp_slot_seconds_per_request"],
                "bound_by": row["bound_by"],
                "ground_truth_ok": row["ground_truth_ok"],
            }
        )
        before = rate
    return {"per_workers": table, "bound_at_most_workers": rows[-1]["bound_by"] if rows else None}


if __name__ == "__main__":
    raise SystemExit(main())
