"""The daily reconciliation (issue 12) on one trading day: wall time, peak memory, Shopify cost points.

The Shopify sandbox serves on 127.0.0.1 from a process of its own, as Shopify from its servers
(``bench/reconcile_host.py`` over ``bench/sandbox_hosts.py``'s pipe), and holds the day: paid orders
with 20% VAT, full refunds of some, payouts settling them. The ERP is the in-memory ERP, seeded
directly with the sales order the order flow would post for each order (``map_order`` of the order
as read, shipping included) and a credit note of each refund's value, so the day reconciles clean;
the reconciliation reads it through ``ErpReconcileReads`` in batches of 500; shopbridge's store is a
throwaway PostgreSQL cluster (``tests/pgcluster.py``) holding the order syncs and the payout
records. Seeding is not measured: only ``reconcile_day``. Seeding reads the day back as the
reconciliation does (one bulk operation, refunds' totals 22 orders a read) and writes the syncs in one
transaction: read one order at a time it took minutes per thousand orders (throttled reads), which
is where a 50,000-order run spent its time limit.

Reported: the reconciliation's wall time (goal < 60 s for 50,000 orders), the process's peak RSS
growth during it (goal < 500 MB), the Shopify cost points it spent and its calls, the verdicts, and
each stage's seconds (setup stages, then the reconciliation's own reads, timed around the port
calls). Progress goes to stderr (Rich).

Run: ``.venv/bin/python bench/reconcile.py [--orders 50000] [--refunds 5000] [--payouts 20]``
-> ``bench/results/reconcile.json``. The day's orders come in one bulk operation, run by the
sandbox's process (its streamed executor, ``sandbox/shopify/bulk_fast.py``): its execution counts in
the wall time, as Shopify's would, but not in shopbridge's CPU; ``cpu_seconds`` is the bench's
process (shopbridge), ``sandbox_cpu_seconds`` the sandbox's, PostgreSQL's in neither. On a 2-CPU
machine the two still compete for the CPUs. The simulated bulk duration is set to 1 µs an object,
as the stock audit's bench does. The refunded orders' refunds (their totals and units) are read 22
orders a read (a bulk query cannot hold them: see docs/decisions.md).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import json
import os
import platform
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from reconcile_host import SKUS, ReconcileShopifyHost  # noqa: E402
from sandbox_hosts import in_own_process  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reconcile.json"
SHOP = "bench"
ENV_TOKEN, ENV_SECRET = "SHOPBRIDGE_BENCH_SHOPIFY_TOKEN", "SHOPBRIDGE_BENCH_WEBHOOK_SECRET"
CONSOLE = Console(stderr=True)


@dataclass
class Stages:
    """Seconds per stage, in the order they ran (printed as each ends)."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)  # per wrapped method: how often it ran

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            took = time.monotonic() - started
            self.seconds[name] = round(self.seconds.get(name, 0.0) + took, 1)
            CONSOLE.log(f"{name}: {took:.1f} s")

    def wrap(self, owner: Any, method: str, name: str) -> None:
        """Time every call of ``owner.method`` under ``name`` (the reconciliation's own reads)."""
        inner: Callable[..., Any] = getattr(owner, method)

        @functools.wraps(inner)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return inner(*args, **kwargs)
            finally:
                took = time.monotonic() - started
                self.seconds[name] = round(self.seconds.get(name, 0.0) + took, 2)
                self.calls[name] = self.calls.get(name, 0) + 1

        setattr(owner, method, timed_call)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=CONSOLE,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--refunds", type=int, default=100)
    parser.add_argument("--payouts", type=int, default=20)
    parser.add_argument("--restore-rate", type=float, default=1000.0, help="Shopify Plus: 1000 points/s")
    parser.add_argument(
        "--bucket",
        type=float,
        default=20000.0,
        help="Shopify Plus: 20,000 points (the sandbox's Plus preset, docs/decisions.md); it was 2,000 here",
    )
    parser.add_argument(
        "--profile", type=Path, help="write a cProfile of reconcile_day (shopbridge's side) to this file"
    )
    parser.add_argument(
        "--slice-orders",
        type=int,
        help="orders per bulk operation before the day is cut into id ranges (default: day_slices')",
    )
    args = parser.parse_args()
    from shopbridge.connectors.shopify import day_slices

    if args.slice_orders:
        day_slices.SLICE_ORDERS = args.slice_orders
    load_at_start = os.getloadavg()[0]
    from pgcluster import PgCluster

    cluster = PgCluster().start()
    try:
        result = run(
            cluster.url(cluster.create_database()),
            args.orders,
            args.refunds,
            args.payouts,
            args.restore_rate,
            args.profile,
            args.bucket,
        )
    finally:
        cluster.stop()
    report = {
        "benchmark": "reconcile",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m_at_start": round(load_at_start, 1),  # a shared machine undercounts speed
            "load_average_1m": round(os.getloadavg()[0], 1),
        },
        "goal": {"wall_seconds": 60, "peak_mb": 500, "orders": 50000, "refunds": 5000, "payouts": 20},
        "day": {"orders": args.orders, "refunds": args.refunds, "payouts": args.payouts},
        "orders_per_bulk_operation": day_slices.SLICE_ORDERS,
        "store": "postgresql",
        "result": result,
        "note": "taken on a 2-CPU machine shared with other work: load undercounts speed",
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def run(
    database: str,
    orders: int,
    refunds: int,
    payouts: int,
    restore_rate: float,
    profile: Path | None = None,
    bucket: float = 20000.0,
) -> dict[str, Any]:
    from shopbridge.sandbox.shopify.server import SandboxSettings

    os.environ.setdefault(ENV_TOKEN, secrets.token_hex(16))
    os.environ.setdefault(ENV_SECRET, secrets.token_hex(16))
    stages = Stages()
    with stages.timed("setup: sandbox"):
        settings = SandboxSettings(
            access_token=os.environ[ENV_TOKEN],
            webhook_secret=os.environ[ENV_SECRET],
            seed_catalogue=True,
            seed=7,
        )
        host = in_own_process(ReconcileShopifyHost, settings)  # Shopify's own machine
    try:
        with stages.timed("setup: sandbox"):
            base_url = str(host.start()["base_url"])
        host.configure(restore_rate, bucket)  # a Plus shop's bucket from the start: seeding reads the day too
        placed = trade(host, orders, refunds, payouts, stages)
        with tempfile.TemporaryDirectory() as folder:
            result = measure(host, base_url, placed, database, Path(folder), stages, profile)
    finally:
        host.stop()
    return {
        **result,
        "restore_rate": restore_rate,
        "bucket": bucket,
        "stages_seconds": stages.seconds,
        "stage_calls": stages.calls,
    }


def trade(host: Any, count: int, refunds: int, payouts: int, stages: Stages) -> list[str]:
    """The day in the sandbox, placed in its process: orders, full refunds of every n-th, payouts."""
    step = max(count // max(refunds, 1), 1)
    per = -(-count // max(payouts, 1))
    with stages.timed("setup: place orders"):
        made: list[str] = host.place_orders(count)
    with stages.timed("setup: refunds"):
        host.refund_fully(made[::step][:refunds])
    with stages.timed("setup: payouts"):
        host.pay_out([made[start : start + per] for start in range(0, count, per)])
    return made


@dataclass
class Seeded:
    services: Any
    erp: Any


def seed(base_url: str, made: list[str], database: str, folder: Path, stages: Stages) -> Seeded:
    """shopbridge and the ERP as the flows would have left them after the day (not measured).

    The day is read back as the reconciliation reads it (one bulk operation; refunds 22 orders a
    read), then each order is posted to the in-memory ERP and its sync saved, in one transaction."""
    from shopbridge.bootstrap import build_services
    from shopbridge.config import load_settings
    from shopbridge.connectors.erp.memory import MemoryErp
    from shopbridge.domain.money import Money
    from shopbridge.domain.order_sync import OrderSync, SyncStatus
    from shopbridge.domain.orders import map_order
    from shopbridge.domain.payout_state import Outcome, record_of
    from shopbridge.domain.records import CreditNote, CreditNoteLine, Customer
    from shopbridge.flows.order_settings import rules_for
    from shopbridge.flows.reconcile_facts import day_bounds

    services = build_services(load_settings(write_config(folder, base_url, database)))
    services.store.migrate()
    erp = MemoryErp()  # reads its orders and credit notes back in batches (ErpReconcileReads)
    for sku in SKUS:
        erp.add_item(sku, price=Decimal("15.00"))
    account = erp.find_or_create_customer(Customer(email="bench@example.com")).account
    services._erp = erp
    client = services.shopify(SHOP)
    shop = services.settings.shop_by_name(SHOP)
    rules = replace(rules_for(services.settings, shop), limits=erp.field_limits)
    uow = services.flow_context(SHOP).uow
    with stages.timed("setup: read the day back"):
        read = client.orders_and_refunds_created_in_bulk(*day_bounds(datetime.now(UTC).date()), None)
        orders, refunds = read.orders, read.refunds
    assert sorted(o.shopify_id for o in orders) == sorted(made), "the bulk read must find the day's orders"
    with progress() as bar, stages.timed("setup: ERP and syncs"), uow.begin() as tx:
        task = bar.add_task("seeding the ERP and the syncs", total=len(orders))
        for order in orders:
            erp.create_sales_order(replace(map_order(order, rules, customer_account=account).request))
            tx.save_order_sync(
                OrderSync(SHOP, order.shopify_id, order.name, SyncStatus.POSTED, erp_id=order.name)
            )
            for refund in refunds.get(order.shopify_id, ()):
                value = refund.total
                line = CreditNoteLine("REFUND", 1, value, Money(Decimal(0), value.currency))
                erp.create_credit_note(CreditNote(refund.shopify_id, order.name, value.currency, (line,)))
            bar.advance(task)
    with stages.timed("setup: payout records"), uow.begin() as tx:
        for payout in client.payouts(None):
            tx.save_payout_record(record_of(SHOP, payout, Outcome.POSTED, erp_reference="JNL"))
    return Seeded(services, erp)


def measure(
    host: Any,
    base_url: str,
    made: list[str],
    database: str,
    folder: Path,
    stages: Stages,
    profile: Path | None = None,
) -> dict[str, Any]:
    from shopbridge.connectors.shopify import reconcile_bulk
    from shopbridge.flows import reconcile_facts
    from shopbridge.flows.daily_reconciliation import reconcile_day

    seeded = seed(base_url, made, database, folder, stages)
    host.refill()
    client = seeded.services.shopify(SHOP)
    for method in (
        "orders_and_refunds_created_in_bulk",
        "orders_created_in_bulk",
        "refunds_of_orders",
        "refunded_orders_since",
        "payouts",
    ):
        stages.wrap(client, method, f"reconcile: shopify {method}")
    # inside the day's read: the refunded orders listed and their refunds read (two threads) while
    # Shopify runs the bulk operation, and the wait for it
    stages.wrap(reconcile_bulk, "refunded_orders_since", "reconcile: shopify day read: refunded listed")
    stages.wrap(reconcile_bulk, "refund_totals_of_orders", "reconcile: shopify day read: refunds")
    # the day's bulk operations (one per id range of a large day, one after another): the waits overlap
    stages.wrap(reconcile_bulk, "wait_for_bulk", "reconcile: shopify day read: bulk wait")
    for method in ("orders_held", "credit_notes_held"):
        stages.wrap(seeded.erp, method, f"reconcile: erp {method}")
    # the day's orders compared as the read hands them over (most while the refunds are read), and
    # the refunds checkpoint's comparison after the read
    stages.wrap(reconcile_facts.OrderComparison, "add", "reconcile: orders compared (as handed over)")
    stages.wrap(reconcile_facts, "refund_facts", "reconcile: refunds compared")
    before_points, before_calls = client.stats.cost_actual, client.stats.calls
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = _cpu_seconds()
    sandbox_before = host.usage()
    with stages.timed("reconcile_day (measured)"):
        profiler = cProfile.Profile() if profile is not None else None
        started = time.monotonic()
        if profiler is not None:
            profiler.enable()
        report = reconcile_day(seeded.services.flow_context(SHOP), datetime.now(UTC).date())
        seconds = time.monotonic() - started
        if profiler is not None and profile is not None:
            profiler.disable()
            profiler.dump_stats(profile)
    cpu = _cpu_seconds() - cpu_before
    sandbox_after = host.usage()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seeded.services.close()
    return {
        "wall_seconds": round(seconds, 1),
        # shopbridge's CPU: the bench's process, every thread (the sandbox and PostgreSQL run in
        # processes of their own); on a loaded machine the wall time stretches, this much less
        "cpu_seconds": round(cpu, 1),
        "sandbox_cpu_seconds": round(sandbox_after["cpu_seconds"] - sandbox_before["cpu_seconds"], 1),
        "sandbox_peak_rss_mb": round(sandbox_after["peak_rss_mb"], 1),
        "peak_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "peak_rss_mb": round(rss_after / 1024, 1),
        "shopify_cost_points": round(client.stats.cost_actual - before_points, 1),
        "shopify_calls": client.stats.calls - before_calls,
        "verdicts": report.verdicts(),
        "mismatches": len(report.mismatches),
        "checked": {c.name: c.checked for c in report.checkpoints},
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_config(folder: Path, admin_url: str, database: str) -> Path:
    path = folder / "shopbridge.toml"
    path.write_text(
        f"""[database]
url = "{database}"

[[shops]]
name = "{SHOP}"
domain = "bench.myshopify.com"
admin_url = "{admin_url}"
access_token = {{ env = "{ENV_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_SECRET}" }}]
currency = "GBP"

[erp]
vendor = "tryton"

[erp.tryton]
url = "http://127.0.0.1:9"
database = "replaced-by-the-bench-erp"
password = {{ env = "{ENV_SECRET}" }}
""",
        encoding="utf-8",
    )
    return path


if __name__ == "__main__":
    raise SystemExit(main())
