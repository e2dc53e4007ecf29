"""The order-flow benchmark's stack: the Shopify and Sage 200 sandboxes with shopbridge between them.

Wired as tests/e2e/e2e_stack.py and shopbridge.demo.stack wire theirs (copied, not imported: those
are test fixtures and the demo's own): a TOML config with secrets in environment variables,
``build_services``, ``store.migrate``, the web app on a ``ServerThread`` receiving the Shopify
sandbox's signed webhooks, ``Runtime`` worker threads. Every measured figure comes from the
sandboxes' own state (the Sage 200 sandbox's sales orders and concurrency gate), or from the queue
as ``admin.status`` reports it.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox_hosts import SageHost, ShopifyHost, in_own_process

from shopbridge import admin
from shopbridge.bootstrap import Runtime, Services, build_services
from shopbridge.config import load_settings
from shopbridge.rehearse.workers import WorkerPool
from shopbridge.sandbox.serving import ServerThread
from shopbridge.sandbox.shopify.server import SandboxSettings
from shopbridge.web.app import create_app

SHOP = "bench"
DOMAIN = "bench-sandbox.myshopify.com"
ENV_SHOPIFY_TOKEN = "SHOPBRIDGE_BENCH_SHOPIFY_TOKEN"
ENV_WEBHOOK_SECRET = "SHOPBRIDGE_BENCH_WEBHOOK_SECRET"
ENV_SAGE_TOKEN = "SHOPBRIDGE_BENCH_SAGE200_TOKEN"
WAREHOUSE = "WAREHOUSE"  # the Sage 200 sandbox's warehouse
WEB_ACCOUNT = "EXIST01"  # the Sage 200 sandbox's seeded account (existing@example.com)
ADDRESS = {
    "firstName": "Erin",
    "lastName": "Existing",
    "address1": "1 High Street",
    "city": "London",
    "zip": "E1 1AA",
    "countryCode": "GB",
}
SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class StackOptions:
    workdir: Path
    workers: int = 8
    latency: float = 0.0  # the Sage 200 sandbox's per-request latency
    erp_limit: int = 0  # the sandbox's concurrency limit and erp.max_concurrency (0: none)
    seed: int = 2026
    shopify_restore_rate: float = 100.0  # Shopify's cost points per second (Standard plan: 100)
    shopify_bucket: float = 2000.0  # and its bucket (Standard plan: 2000)
    # Webhooks the Shopify sandbox delivers at once. Shopify sends a shop's webhooks in parallel; one
    # at a time, the intake's commit per request capped the burst at ~25 deliveries (~6 orders)/s.
    webhook_threads: int = 8
    # 0: the workers are ``workers`` threads of this process. N: N ``shopbridge worker --threads
    # <workers>`` processes (each its own GIL) on the same store, sharing the ERP's slots through it.
    processes: int = 0
    database_url: str = ""  # empty: SQLite in workdir (use PostgreSQL for several processes)
    # True: the Shopify sandbox and the Sage 200 sandbox each serve from a process of their own, as
    # they would from other machines, so shopbridge's workers do not share a GIL with them.
    sandbox_processes: bool = False


class OrderFlowStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        for name in (ENV_SHOPIFY_TOKEN, ENV_WEBHOOK_SECRET, ENV_SAGE_TOKEN):
            os.environ.setdefault(name, secrets.token_hex(16))
        sage_args = (os.environ[ENV_SAGE_TOKEN], options.latency, options.erp_limit)
        shopify_args = (
            SandboxSettings(
                access_token=os.environ[ENV_SHOPIFY_TOKEN],
                shop_domain=DOMAIN,
                seed=options.seed,
                seed_catalogue=True,
                webhook_secret=os.environ[ENV_WEBHOOK_SECRET],
                restore_rate=options.shopify_restore_rate,
                bucket_size=options.shopify_bucket,
            ),
        )
        # Either host's methods answer alike in this process or, over a pipe, in their own.
        self.sage: Any
        self.shopify: Any
        if options.sandbox_processes:
            self.sage = in_own_process(SageHost, *sage_args)
            self.shopify = in_own_process(ShopifyHost, *shopify_args)
        else:
            self.sage = SageHost(*sage_args)
            self.shopify = ShopifyHost(*shopify_args)
        self.started: list[Any] = []
        self.services: Services | None = None
        self.runtime: Runtime | None = None
        self.pool: WorkerPool | None = None
        self.web: ServerThread | None = None

    def __enter__(self) -> OrderFlowStack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- wiring ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.options.workdir.mkdir(parents=True, exist_ok=True)
        self.sage_info = self.sage.start()
        self.started.append(self.sage)
        shop = self.shopify.start()
        self.started.append(self.shopify)
        self.shopify_url, self.locations, self.skus = shop["base_url"], shop["locations"], shop["skus"]
        self.sage.stock_items(self.skus, Decimal("15.00"), WAREHOUSE, Decimal(1_000_000))
        self.customer_id = self.shopify.new_customer(
            {"email": "existing@example.com", "firstName": "Erin", "lastName": "Existing"}
        )
        config = self._write_config()
        self.services = build_services(load_settings(config))
        self.services.store.migrate()
        self.web = ServerThread(create_app(self.services), port=0, name="bench-web")
        web_url = self.web.start()
        self.shopify.deliver_webhooks(f"{web_url}/webhooks/shopify", self.options.webhook_threads)
        self.shopify_client = self.services.shopify(SHOP)
        self.shopify_paced = 0.0  # seconds the client slept to stay inside Shopify's cost budget
        pace = self.shopify_client._sleep

        def timed_sleep(seconds: float) -> None:
            with self._pace_lock:
                self.shopify_paced += seconds
            pace(seconds)

        self._pace_lock = threading.Lock()
        self.shopify_client._sleep = timed_sleep  # type: ignore[method-assign]
        self.shopify_names: Counter[str] = Counter()
        execute = self.shopify_client.execute

        def counted(name: str, variables: Any = None, *, key: str | None = None) -> Any:
            with self._pace_lock:
                self.shopify_names[name] += 1
            return execute(name, variables, key=key)

        self.shopify_client.execute = counted  # type: ignore[method-assign]
        if self.options.processes:
            self.pool = WorkerPool(
                config,
                self.options.workdir / "logs",
                processes=self.options.processes,
                threads=self.options.workers,
            )
            self.pool.start()
        else:
            self.runtime = Runtime(self.services, threads=self.options.workers, name="bench-")
            self.runtime.start()

    def stop(self) -> None:
        if self.shopify in self.started:
            self.shopify.flush(10)
        if self.web is not None:
            self.web.stop()
        if self.runtime is not None:
            self.runtime.stop(timeout=30)
        if self.pool is not None:
            self.pool.stop()
        for host in reversed(self.started):
            host.stop()
        if self.options.sandbox_processes:  # never started: their processes wait for a question
            for host in (self.shopify, self.sage):
                if host not in self.started:
                    host.stop()
        if self.services is not None:
            self.services.close()

    def _write_config(self) -> Path:
        locations = "\n".join(f'"{gid}" = "{WAREHOUSE}"' for gid in self.locations)
        path = self.options.workdir / "shopbridge.toml"
        database = (
            self.options.database_url or f"sqlite:///{(self.options.workdir / 'shopbridge.db').resolve()}"
        )
        path.write_text(
            f"""[database]
url = "{database}"
pool_size = {min(self.options.workers + 10, 100)}

[engine]
poll_seconds = 0.5

[engine.retry]
base_seconds = 0.2
cap_seconds = 2.0

[schedules]
order_sweep = 0
erp_items = 0
erp_stock = 0
erp_dispatches = 0
lease_reaper = 0

[flows]
orders = true
customers = false
stock = false
catalogue = false
fulfilments = false
refunds = false
payouts = false

[lookups.tax_codes]
"0.2" = "1"
"0" = "0"

[[shops]]
name = "{SHOP}"
domain = "{DOMAIN}"
admin_url = "{self.shopify_url}"
access_token = {{ env = "{ENV_SHOPIFY_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_WEBHOOK_SECRET}" }}]
currency = "GBP"
restore_rate = {self.options.shopify_restore_rate}
default_customer_account = "{WEB_ACCOUNT}"
web_accounts = {{ GBP = "{WEB_ACCOUNT}" }}

[shops.locations]
{locations}

[erp]
vendor = "sage200"
max_concurrency = {self.options.erp_limit}

[erp.sage200]
base_url = "{self.sage_info["base_url"]}"
site_id = "{self.sage_info["site_id"]}"
company_id = "{self.sage_info["company_id"]}"
access_token = {{ env = "{ENV_SAGE_TOKEN}" }}
""",
            encoding="utf-8",
        )
        return path

    # -- measuring ---------------------------------------------------------------------------------
    def erp_orders(self) -> Counter[str]:
        counted: Counter[str] = self.sage.erp_orders()
        return counted

    def queue_busy(self) -> bool:
        assert self.services is not None
        return any(row.state in ("pending", "running") for row in admin.status(self.services).queue)

    def burst(self, orders: int, *, timeout: float) -> dict[str, Any]:
        """Place ``orders`` paid orders at once; measure until the last is in the ERP, then settle."""
        assert self.services is not None
        services = self.services
        self._warm()
        self.sage.clear_log()
        self.shopify.reset_deliveries()
        ages: list[float] = []
        pending_peak = 0
        stop_sampling = threading.Event()

        def sample() -> None:
            nonlocal pending_peak
            while not stop_sampling.is_set():
                rows = admin.status(services).queue
                pending = [r for r in rows if r.state == "pending"]
                oldest = [r.oldest_age_seconds for r in pending if r.oldest_age_seconds is not None]
                ages.append(max(oldest, default=0.0))
                pending_peak = max(pending_peak, sum(r.count for r in pending))
                stop_sampling.wait(SAMPLE_SECONDS)

        self.sage.reset_concurrency()
        shopify_before = dataclasses.replace(self.shopify_client.stats)
        self.shopify_names.clear()
        self.shopify_paced = 0.0
        cpu_before = cpu_seconds_of_bench()
        sandboxes_cpu_before = self.sandboxes_cpu_seconds()
        own_cpu_before = time.process_time()
        placed_at = time.perf_counter()
        names: list[str] = []
        for i in range(orders):
            sku = self.skus[i % len(self.skus)]
            name = self.shopify.place_order(
                {
                    "customer_id": self.customer_id,
                    "lines": [{"sku": sku, "quantity": 1 + i % 3}],
                    "shipping_address": ADDRESS,
                    "tax": {"title": "VAT", "rate": "0.2"},
                    "taxes_included": True,
                    "payment": "paid",
                },
            )
            names.append(name)
            if i == 0:
                sampler = threading.Thread(target=sample, name="bench-queue-sampler", daemon=True)
                sampler.start()
        placed_seconds = time.perf_counter() - placed_at
        wanted = set(names)
        deadline = time.perf_counter() + timeout
        done_at: float | None = None
        while time.perf_counter() < deadline:
            if wanted <= set(self.erp_orders()):
                done_at = time.perf_counter()
                break
            time.sleep(0.02)
        stats = self.sage.concurrency()
        cpu_seconds = cpu_seconds_of_bench() - cpu_before
        sandboxes_cpu = self.sandboxes_cpu_seconds() - sandboxes_cpu_before
        own_cpu_seconds = time.process_time() - own_cpu_before
        shopify_after = dataclasses.replace(self.shopify_client.stats)
        paced = self.shopify_paced
        shopify_names = Counter(self.shopify_names)
        stop_sampling.set()
        sampler.join()
        burst_calls = self.sage.calls(done_at)
        # Let the write-backs' own webhooks (orders/updated) run through too: what a whole order costs.
        settle_deadline = time.perf_counter() + 60
        quiet = 0
        while quiet < 2 and time.perf_counter() < settle_deadline:
            self.shopify.flush(30)
            quiet = 0 if self.queue_busy() else quiet + 1
            time.sleep(0.2)
        settled = self.sage.concurrency()
        all_calls = self.sage.calls()
        in_erp = self.erp_orders()
        first_webhook, deliveries = self.shopify.delivery_figures()
        start = first_webhook or placed_at
        burst_seconds = (done_at or time.perf_counter()) - start
        lost = sorted(n for n in names if in_erp[n] == 0)
        duplicated = sorted(n for n in names if in_erp[n] > 1)
        status = admin.status(services)
        limit = self.options.erp_limit
        return {
            "orders": orders,
            "workers": self.options.workers,
            "erp_latency_seconds": self.options.latency,
            "erp_limit": limit,
            "completed": done_at is not None,
            "placing_seconds": round(placed_seconds, 3),
            "burst_seconds": round(burst_seconds, 3),
            "orders_per_second": round(orders / burst_seconds, 2),
            "worker_processes": self.options.processes,
            "sandboxes_in_own_processes": self.options.sandbox_processes,
            # the two sandbox processes' CPU (in process_cpu_ms_per_order too); None: they are in
            # the bench's process (in bench_process_cpu_ms_per_order)
            "sandboxes_cpu_ms_per_order": (
                round(sandboxes_cpu / orders * 1000, 1) if self.options.sandbox_processes else None
            ),
            "database": self.options.database_url.split(":", 1)[0] or "sqlite",
            # CPU of this process (sandboxes, intake, in-process workers) and of its worker processes
            # from placing to the last order (not PostgreSQL's): unlike orders/s it hardly moves with
            # the machine's load, so it compares runs.
            "process_cpu_seconds_in_burst": round(cpu_seconds, 2),
            "process_cpu_ms_per_order": round(cpu_seconds / orders * 1000, 1),
            # of which the bench's own process: the sandboxes, the webhooks, the intake (and the
            # workers when they are threads here)
            "bench_process_cpu_ms_per_order": round(own_cpu_seconds / orders * 1000, 1),
            "erp_requests_in_burst": stats.admitted,
            "erp_requests_per_order": round(stats.admitted / orders, 2),
            "erp_requests_after_settling": settled.admitted,
            "erp_requests_per_order_after_settling": round(settled.admitted / orders, 2),
            "erp_calls_per_order_in_burst": per_order(burst_calls, orders),
            "erp_calls_per_order_after_settling": per_order(all_calls, orders),
            "busy_slot_seconds": round(stats.busy_slot_seconds, 3),
            # busy slot-seconds over what `limit` slots could give from the first webhook to the last order
            "slot_occupancy": round(stats.busy_slot_seconds / (limit * burst_seconds), 4) if limit else None,
            "slot_occupancy_ceiling_orders_per_second": (
                round(limit / (self.options.latency * stats.admitted / orders), 2)
                if limit and self.options.latency
                else None
            ),
            "refused": settled.refused,
            "peak_in_flight": settled.peak_in_flight,
            "queue_samples": len(ages),
            "queue_oldest_age_max_seconds": round(max(ages, default=0.0), 3),
            "queue_oldest_age_median_seconds": round(statistics.median(ages), 3) if ages else None,
            "queue_pending_peak": pending_peak,
            "shopify_calls_per_order_in_burst": round(
                (shopify_after.calls - shopify_before.calls) / orders, 2
            ),
            "shopify_cost_points_per_order_in_burst": round(
                (shopify_after.cost_actual - shopify_before.cost_actual) / orders, 1
            ),
            "shopify_documents_per_order_in_burst": per_order(shopify_names, orders),
            "shopify_restore_rate": self.options.shopify_restore_rate,
            "shopify_bucket": self.options.shopify_bucket,
            "shopify_budget_ceiling_orders_per_second": round(
                self.options.shopify_restore_rate
                / max((shopify_after.cost_actual - shopify_before.cost_actual) / orders, 1e-9),
                2,
            ),
            "shopify_throttled_in_burst": shopify_after.throttled_seen - shopify_before.throttled_seen,
            "shopify_pacing_sleep_seconds_in_burst": round(paced, 2),
            "webhook_deliveries": deliveries,
            "lost": len(lost),
            "duplicated": len(duplicated),
            "lost_first": lost[:5],
            "duplicated_first": duplicated[:5],
            "queue_after": [{"kind": r.kind, "state": r.state, "count": r.count} for r in status.queue],
            "open_problems": status_problems(status),
        } | (SHOPIFY_FIGURES_ELSEWHERE if self.options.processes else {})

    def sandboxes_cpu_seconds(self) -> float:
        if not self.options.sandbox_processes:
            return 0.0
        return sum(cpu_seconds_of(host.pid()) for host in (self.sage, self.shopify))

    def _warm(self) -> None:
        """One order through the whole flow before the burst (connections, caches, first customer)."""
        name = self.shopify.place_order(
            {
                "customer_id": self.customer_id,
                "lines": [{"sku": self.skus[0], "quantity": 1}],
                "shipping_address": ADDRESS,
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": True,
                "payment": "paid",
            },
        )
        deadline = time.perf_counter() + 60
        while self.erp_orders()[name] == 0:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the warm-up order never reached the ERP: {self._diagnose()}")
            time.sleep(0.05)
        while self.queue_busy() and time.perf_counter() < deadline:
            self.shopify.flush(10)
            time.sleep(0.1)

    def _diagnose(self) -> str:
        assert self.services is not None
        problems = admin.list_problems(self.services, status="open")
        dead = admin.list_jobs(self.services, state="dead", limit=5)
        return f"status={admin.status(self.services).to_json()} problems={problems[:3]} dead={dead[:3]}"


# The Shopify client whose calls the bench counts is this process's; worker processes have their own.
SHOPIFY_FIGURES_ELSEWHERE: dict[str, Any] = dict.fromkeys(
    (
        "shopify_calls_per_order_in_burst",
        "shopify_cost_points_per_order_in_burst",
        "shopify_documents_per_order_in_burst",
        "shopify_budget_ceiling_orders_per_second",
        "shopify_throttled_in_burst",
        "shopify_pacing_sleep_seconds_in_burst",
    )
)


def cpu_seconds_of_bench() -> float:
    """CPU used so far by this process and every live process descending from it (worker processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    me = os.getpid()

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == me:
                return True
        return False

    return time.process_time() + sum(cpu for pid, cpu in used.items() if descends(pid))


def cpu_seconds_of(pid: int) -> float:
    """CPU used so far by one process (0 once gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def per_order(calls: Counter[str], orders: int) -> dict[str, float]:
    return {call: round(count / orders, 3) for call, count in calls.most_common()}


def status_problems(status: Any) -> Any:
    try:
        return status.to_json().get("problems")
    except Exception:  # the figure is informative only
        return None
