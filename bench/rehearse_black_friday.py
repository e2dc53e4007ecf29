"""Black Friday rehearsed (issue 15): ``shopbridge rehearse --scenario black-friday`` as a benchmark.

The ``black-friday`` preset (20 orders/s, bestsellers whose ERP stock runs out, an ERP at 150 ms
serving 8 requests at once, Shopify Plus's 1,000 points/s) runs through the rehearsal's
own runner: the Shopify and ERP sandboxes in this process, the web intake on 127.0.0.1, ``--workers``
real ``shopbridge worker`` processes. Recorded, all from the sandboxes' own state or the queue:

- orders per second sustained (peak orders over the first order to the drained queue);
- the peak queue age (the oldest job's age, sampled every 0.5 s);
- the share of the ERP's capacity used (the ERP gate's busy slot-seconds over 8 x the window);
- the share of the Shopify budget used by the stock push (points the sandbox charged during the
  stock phase over what the plan could give then);
- oversells (bestseller units sold beyond the ERP's stock), with their cause.

Run: ``.venv/bin/python bench/rehearse_black_friday.py [--orders N] [--workers N] [--database URL]``
-> ``bench/results/rehearse_black_friday.json`` (the preset's full size is 3,600 orders).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopbridge.rehearse.database import prepare_database
from shopbridge.rehearse.runner import Rehearsal
from shopbridge.rehearse.scenario import load_scenario
from shopbridge.rehearse.stack import StackSpec

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "rehearse_black_friday.json"


def figures(result: dict[str, Any]) -> dict[str, Any]:
    peak, limits = result["peak"], result["limits"]
    return {
        "orders_placed": peak["orders_placed"],
        "orders_per_second_sustained": peak["orders_per_second_sustained"],
        "peak_queue_age_seconds": peak["peak_queue_age_seconds"],
        "peak_backlog": peak["peak_backlog"],
        "time_to_drain_seconds": peak["time_to_drain_seconds"],
        "erp_capacity_share_used": limits["erp_concurrency_share_used"],
        "erp_capacity_goal": 0.9,
        "shopify_budget_share_used_by_stock_push": limits["shopify_budget_share_used_by_stock_push"],
        "shopify_budget_goal_when_saturated": 0.95,
        "stock_push_saturated": limits["stock_push_saturated"],
        "stock_push_budget_verdict": limits["stock_push_budget_verdict"],
        "shopify_budget_share_used": limits["shopify_budget_share_used"],
        "bound_by": limits["bound_by"],
        "erp_requests_in_peak": limits["erp_requests_in_peak"]["total"],
        "erp_requests_per_peak_order": round(
            limits["erp_requests_in_peak"]["total"] / max(peak["orders_placed"], 1), 2
        ),
        "erp_requests_in_peak_by_route": limits["erp_requests_in_peak"]["by_route"],
        "oversold_units": result["oversells"]["units"],
        "oversells": result["oversells"]["by_sku"],
        "ground_truth_ok": result["ok"],
        "findings": result["findings"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=None, help="peak orders (default: the preset's 3,600)")
    parser.add_argument("--workers", type=int, default=3, help="worker processes (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process (default 4)")
    parser.add_argument("--database", default=None, help="an empty PostgreSQL URL (default: SQLite)")
    parser.add_argument("--erp", default="sage200", help="sage200 (default), syspro, prima or tryton")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="how the figures were taken (say: under load)")
    args = parser.parse_args()
    scenario = load_scenario("black-friday").scaled(args.orders)
    workdir = Path(tempfile.mkdtemp(prefix="shopbridge-bench-rehearse-"))
    spec = StackSpec(workdir, args.erp, prepare_database(args.database, workdir), args.workers, args.threads)
    began = time.perf_counter()
    result = Rehearsal(scenario, spec).run()
    report = {
        "benchmark": "rehearse_black_friday",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "run_seconds": round(time.perf_counter() - began, 1),
        "note": args.note,
        "scenario": result["scenario"],
        "erp": args.erp,
        "database": result["database"],
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "figures": figures(result),
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["figures"], indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
