"""Benchmark: how much of Shopify's cost budget a saturating inventory push uses, against the sandbox.

One command: ``.venv/bin/python bench/shopify_budget.py`` (``--seconds``, ``--restore-rate``,
``--threads``). Starts the Shopify sandbox in-process with its standard catalogue, sets the restore
rate (50 points/s by default, bucket 20 s of restore as Shopify sizes it), and lets several worker
threads share one client pushing ``inventorySetQuantities`` for the window. Reports the fraction of
the budget used (points charged / (points available at the start + restore rate x seconds)) and the
THROTTLED answers seen on the wire versus surfaced to the callers.

Writes ``bench/results/shopify_budget.json``. Goal: fraction >= 0.95 and 0 THROTTLED surfaced.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "shopify"))

RESULTS = ROOT / "bench" / "results" / "shopify_budget.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--restore-rate", type=float, default=50.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from shopify_support import SECRET_ENV, TOKEN_ENV, saturating_push, settings_data

    from shopbridge.config import parse_settings
    from shopbridge.connectors.shopify.client import ShopifyClient
    from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

    server = SandboxServer(SandboxSettings(seed_catalogue=True, seed=7))
    server.start()
    try:
        os.environ[TOKEN_ENV] = server.sandbox.settings.access_token
        os.environ[SECRET_ENV] = server.sandbox.settings.webhook_secret
        shop = parse_settings(settings_data(server)).shops[0]
        with ShopifyClient.from_settings(shop) as client:
            result = saturating_push(
                server, client, seconds=args.seconds, restore_rate=args.restore_rate, threads=args.threads
            )
    finally:
        server.stop()
    report = {
        "benchmark": "shopify_budget",
        "goal": {"fraction_used": 0.95, "throttled_surfaced": 0},
        "threads": args.threads,
        "result": result.as_dict(),
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"budget used {result.fraction_used:.1%} ({result.cost_used:.0f} of {result.budget:.0f} points in "
        f"{result.seconds:.1f} s at {result.restore_rate:g}/s); THROTTLED seen {result.throttled_seen}, "
        f"surfaced {result.throttled_surfaced}; {result.calls} calls, {result.errors} errors"
    )


if __name__ == "__main__":
    main()
