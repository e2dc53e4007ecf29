"""The fault day's stack: the Shopify and Sage 200 sandboxes in this process, shopbridge's web intake on
a real port, a PostgreSQL store, and a ``shopbridge worker`` command as a real subprocess.

Only what the acceptance test needs; the wiring follows ``shopbridge.demo.stack`` (a TOML file whose
secrets are environment variables, ``build_services``, ``create_app`` on a ``ServerThread``).
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from shopbridge.bootstrap import Services, build_services
from shopbridge.config import load_settings
from shopbridge.demo.stack import shop_catalogue  # the ERP sells what the shop sells
from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.sage200.faults import Faults
from shopbridge.sandbox.serving import ServerThread
from shopbridge.sandbox.shopify.seed import BUNDLE
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings
from shopbridge.sandbox.shopify.webhooks import WebhookEmitter
from shopbridge.web.app import create_app

SHOP = "faultday"
DOMAIN = "faultday.myshopify.com"
ENV_SHOPIFY_TOKEN = "SHOPBRIDGE_FAULTDAY_SHOPIFY_TOKEN"
ENV_WEBHOOK_SECRET = "SHOPBRIDGE_FAULTDAY_WEBHOOK_SECRET"
ENV_SAGE_TOKEN = "SHOPBRIDGE_FAULTDAY_SAGE200_TOKEN"
WAREHOUSE = "WAREHOUSE"  # the Sage 200 sandbox's warehouse
WEB_ACCOUNT = "EXIST01"  # the Sage 200 sandbox's seeded account
ERP_TIMEOUT = 2.0


class RateFaults(Faults):
    """The Sage 200 sandbox's faults as rates: each request fails (5xx) or hangs with a seeded chance.

    A hang lasts longer than the adapter's timeout, so the adapter gives up on it (a timeout). The
    counters say how many of each the sandbox served.
    """

    def __init__(self, *, seed: int, fail_rate: float, hang_rate: float, hang_seconds: float) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.fail_rate, self.hang_rate, self.hang_seconds = fail_rate, hang_rate, hang_seconds
        self.enabled = False
        self.requests = self.failures = self.hangs = 0

    def take(self) -> tuple[float, float, int]:
        with self._lock:
            if not self.enabled:
                return 0.0, 0.0, 0
            self.requests += 1
            roll = self.rng.random()
            if roll < self.hang_rate:
                self.hangs += 1
                return 0.0, self.hang_seconds, 0
            if roll < self.hang_rate + self.fail_rate:
                self.failures += 1
                return 0.0, 0.0, self.rng.choice((500, 502, 503))
            return 0.0, 0.0, 0


@dataclass
class ShopifyTally:
    """What the Shopify sandbox served once its faults were on: 5xx answers and THROTTLED answers."""

    failures: int = 0
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, failed: bool = False, throttled: bool = False) -> None:
        with self.lock:
            self.failures += failed
            self.throttled += throttled


@dataclass
class FaultDay:
    shopify: SandboxServer
    sage: Sage200Sandbox
    faults: RateFaults
    services: Services
    web: ServerThread
    config: Path

    @property
    def emitter(self) -> WebhookEmitter:
        emitter = self.shopify.state.webhook_emitter
        assert emitter is not None, "the Shopify sandbox is not delivering webhooks"
        return emitter

    def runnable_jobs(self) -> int:
        """Jobs pending or running, not counting those held behind a dead job of their entity."""
        query = sa.text(
            "SELECT count(*) FROM jobs j WHERE j.state = 'running' OR (j.state = 'pending' AND NOT EXISTS"
            " (SELECT 1 FROM jobs d WHERE d.entity_key = j.entity_key AND d.id < j.id AND d.state = 'dead'))"
        )
        with self.services.store.begin() as conn:
            return int(conn.execute(query).scalar() or 0)

    def count_jobs(self) -> int:
        with self.services.store.begin() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM jobs")).scalar() or 0)

    def start_workers(self, log: Path, processes: int, threads: int) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "shopbridge.cli",
            "--config",
            str(self.config),
            "worker",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
        ]
        with log.open("ab") as out:
            return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def shopify_faults(self, *, error_rate: float, bucket: float, restore_rate: float) -> ShopifyTally:
        """Shopify answers some requests with a 5xx and has a smaller cost bucket (so it throttles);
        the tally counts what it served (the sandbox keeps no count of its own)."""
        sandbox, tally = self.shopify.sandbox, ShopifyTally()
        should_fail, try_charge = sandbox.faults.should_fail, sandbox.bucket.try_charge

        def failing() -> bool:
            failed = should_fail()
            tally.add(failed=failed)
            return failed

        def charging(cost: int) -> bool:
            charged = try_charge(cost)
            tally.add(throttled=not charged)
            return charged

        sandbox.faults.should_fail = failing  # type: ignore[method-assign]
        sandbox.bucket.try_charge = charging  # type: ignore[method-assign]
        sandbox.faults.update({"error_rate": error_rate})
        sandbox.bucket.configure(maximum=bucket, restore_rate=restore_rate)
        return tally

    def stop(self) -> None:
        self.emitter.flush(timeout=10)
        self.web.stop()
        self.shopify.stop()
        self.sage.stop()
        self.services.close()


def start(workdir: Path, database: str, *, seed: int) -> FaultDay:
    for name in (ENV_SHOPIFY_TOKEN, ENV_WEBHOOK_SECRET, ENV_SAGE_TOKEN):
        os.environ.setdefault(name, secrets.token_hex(16))
    sage = Sage200Sandbox(token=os.environ[ENV_SAGE_TOKEN])
    faults = RateFaults(seed=seed, fail_rate=0.05, hang_rate=0.005, hang_seconds=ERP_TIMEOUT + 1.5)
    sage.faults = sage.app.faults = faults
    sage.start()
    shopify = SandboxServer(
        SandboxSettings(
            access_token=os.environ[ENV_SHOPIFY_TOKEN],
            shop_domain=DOMAIN,
            seed=seed,
            seed_catalogue=True,
            # Shopify Plus's GraphQL bucket: a shop of 300 orders a day with three worker processes.
            bucket_size=20000.0,
            restore_rate=1000.0,
            webhook_secret=os.environ[ENV_WEBHOOK_SECRET],
        )
    )
    shopify.start()
    for sku, (name, price) in sorted(shop_catalogue(shopify).items()):
        sage.add_item(sku, name=name, price=price)
        sage.set_stock(sku, WAREHOUSE, Decimal(10000))
    config = write_config(workdir, database, shopify, sage)
    services = build_services(load_settings(config))
    services.store.migrate()
    web = ServerThread(create_app(services), port=0, name="faultday-web")
    web_url = web.start()
    shopify.sandbox.settings.webhook_url = f"{web_url}/webhooks/shopify"
    shopify.sandbox.start_webhooks()
    day = FaultDay(shopify, sage, faults, services, web, config)
    day.emitter.configure({"drop_rate": 0.10, "duplicate_rate": 0.10, "jitter": 0.3, "seed": seed})
    return day


def write_config(workdir: Path, database: str, shopify: SandboxServer, sage: Sage200Sandbox) -> Path:
    path = workdir / "shopbridge.toml"
    with shopify.state.lock:
        location_ids = sorted(shopify.state.locations)
    locations = "\n".join(f'"{gid}" = "{WAREHOUSE}"' for gid in location_ids)
    bundle_sku, parts = BUNDLE[1], BUNDLE[3]
    components = ", ".join(f'"{sku}" = {qty}' for sku, qty in parts)
    path.write_text(
        f"""[database]
url = "{database}"

[engine]
poll_seconds = 0.05
lease_seconds = 5
heartbeat_seconds = 1
batch_size = 2

[engine.retry]
base_seconds = 0.2
cap_seconds = 1.0

[schedules]
order_sweep = 0
erp_items = 0
erp_stock = 0
erp_dispatches = 0
refunds = 0
lease_reaper = 0

[flows]
orders = true
customers = false
stock = false
catalogue = false
fulfilments = true
refunds = true
payouts = false

[lookups.carriers]  # the ERP's courier -> Shopify's carrier name
"Royal Mail" = "Royal Mail"

[lookups.tax_codes]
"0.2" = "1"
"0" = "0"

[bundles]
"{bundle_sku}" = {{ {components} }}

[[shops]]
name = "{SHOP}"
domain = "{DOMAIN}"
admin_url = "{shopify.sandbox.base_url}"
access_token = {{ env = "{ENV_SHOPIFY_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_WEBHOOK_SECRET}" }}]
currency = "GBP"
default_customer_account = "{WEB_ACCOUNT}"
web_accounts = {{ GBP = "{WEB_ACCOUNT}" }}
amendment_cutoff_minutes = 0
amendment_cutoff_statuses = ["open"]

[shops.locations]
{locations}

[erp]
vendor = "sage200"

[erp.sage200]
base_url = "{sage.base_url}"
site_id = "{sage.site_id}"
company_id = "{sage.company_id}"
access_token = {{ env = "{ENV_SAGE_TOKEN}" }}
timeout_seconds = {ERP_TIMEOUT}
""",
        encoding="utf-8",
    )
    return path


def child_pids(parent: int) -> list[int]:
    """The worker processes the ``shopbridge worker`` command spawned (multiprocessing ``spawn_main``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)
