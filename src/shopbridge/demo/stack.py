"""The demo stack: shopbridge wired to the built-in sandboxes, all on 127.0.0.1.

It is an installation like any other (a TOML file, secrets in environment variables, a SQLite
store, ``build_services``), pointed at the Shopify sandbox and an ERP sandbox (Sage 200, SYSPRO,
Prima, or a real Tryton server) instead of the real systems.
The sandboxes run in this process on free ports; shopbridge's web side, workers and
the sandboxes talk over real HTTP.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from shopbridge import access
from shopbridge.bootstrap import Runtime, Services, build_services
from shopbridge.config import load_settings
from shopbridge.demo import trade_list
from shopbridge.demo.buffers import stock_config
from shopbridge.demo.erp_base import DemoErp
from shopbridge.demo.erps import make_erp
from shopbridge.demo.payouts_day import ACCOUNTS as PAYOUT_ACCOUNTS
from shopbridge.demo.webhooks import SeededEmitter
from shopbridge.domain.access import Role
from shopbridge.sandbox.serving import ServerThread
from shopbridge.sandbox.shopify.seed import BUNDLE
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings
from shopbridge.sandbox.shopify.webhooks import WebhookEmitter
from shopbridge.web.app import create_app

SHOP_NAME = "demo"
SHOP_DOMAIN = "sandbox.myshopify.com"
# The demo shop is on Shopify Plus (its cost budget: 1,000 points a second, a 20,000-point bucket), so a
# day of trading runs in under a minute; bench/order_flow.py measures the Standard plan's ceiling.
PLUS_BUCKET = 20_000.0
PLUS_RESTORE_RATE = 1_000.0
ENV_SHOPIFY_TOKEN = "SHOPBRIDGE_DEMO_SHOPIFY_TOKEN"
ENV_WEBHOOK_SECRET = "SHOPBRIDGE_DEMO_WEBHOOK_SECRET"
# Sold during the day but created in the ERP only after the first delivery: its orders are
# quarantined, then released by the items sweep once the demo creates it.
LATE_SKU = "BOTTLE-01"
# The dashboard's demo admin; a fresh random password each run, printed once by `shopbridge demo`.
DEMO_ADMIN = "demo"


@dataclass(frozen=True)
class DemoOptions:
    """How big and how unreliable the simulated day is."""

    workdir: Path
    orders: int = 40
    seed: int = 2026
    drop_rate: float = 0.10  # webhooks Shopify never delivers: the sweep must bring these in
    duplicate_rate: float = 0.10  # webhooks delivered twice: the inbox must absorb these
    workers: int = 4
    port: int = 0
    erp: str = "sage200"


class DemoStack:
    """Start the sandboxes and shopbridge (web + workers) on free 127.0.0.1 ports; stop them all."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        _ensure_secrets()
        self.erp: DemoErp = make_erp(options.erp)
        self.shopify: SandboxServer | None = None
        self.services: Services | None = None
        self.web_url = ""
        self.admin_password = ""
        self._runtime: Runtime | None = None
        self._web: ServerThread | None = None

    def __enter__(self) -> DemoStack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.options.workdir.mkdir(parents=True, exist_ok=True)
        _remove_database(self.options.workdir)
        self.erp.start()
        self.shopify = self._start_shopify()
        self.catalogue = seed_erp(self.erp, self.shopify)
        extra = trade_list.prepare(self.erp, self.shopify)  # the B2B trade list and its customer
        config = write_config(
            self.options.workdir, self.shopify.sandbox.base_url, self.erp, self.shopify, extra=extra
        )
        self.configure(config)
        self.services = build_services(load_settings(config))
        self.services.store.migrate()
        self.admin_password = secrets.token_urlsafe(12)
        access.add_user(self.services, DEMO_ADMIN, Role.ADMIN, self.admin_password, actor="demo")
        self._web = ServerThread(create_app(self.services), port=self.options.port, name="shopbridge-web")
        self.web_url = self._web.start()
        self._start_webhooks(self.shopify)

    def configure(self, config: Path) -> None:
        """A subclass's last word on the written configuration before it is loaded (the rehearsal's)."""

    def start_workers(self) -> None:
        """Workers start once the day is traded, so shopbridge's write-backs follow the day's events."""
        if self._runtime is None:
            self._start_workers()

    def stop_workers(self) -> None:
        """Stop the workers (as an operator stops ``shopbridge run --dry-run``); start_workers starts
        a new run."""
        if self._runtime is not None:
            self._runtime.stop(timeout=15)
            self._runtime = None

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
        if self._runtime is not None:
            self._runtime.stop(timeout=15)
        if self.services is not None:  # shopbridge logs off the ERP before the ERP goes down
            self.services.close()
        if self.shopify is not None:
            self.shopify.stop()
        self.erp.stop()

    def wait_until_idle(self, timeout: float = 120.0) -> bool:
        """Wait until no job can run any more; False if ``timeout`` passes first.

        A pending job behind a dead job of the same entity (an order nobody can post until a person
        looks at it) can never run by itself: it does not count, or the demo would wait for nothing.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.runnable_jobs() == 0:
                return True
            time.sleep(0.1)
        return False

    def runnable_jobs(self) -> int:
        """Jobs pending or running, not counting those held behind a dead job of their entity."""
        query = sa.text(
            "SELECT count(*) FROM jobs j WHERE j.state = 'running' OR (j.state = 'pending' AND NOT EXISTS"
            " (SELECT 1 FROM jobs d WHERE d.entity_key = j.entity_key AND d.id < j.id AND d.state = 'dead'))"
        )
        with self._svc().store.begin() as conn:
            return int(conn.execute(query).scalar() or 0)

    def emitter(self) -> WebhookEmitter:
        """The Shopify sandbox's webhook sender (started with the sandbox, since it has an address)."""
        emitter = self.shopify.state.webhook_emitter if self.shopify else None
        if emitter is None:
            raise RuntimeError("the Shopify sandbox is not delivering webhooks")
        return emitter

    def _svc(self) -> Services:
        if self.services is None:
            raise RuntimeError("start() the demo first")
        return self.services

    def _start_shopify(self) -> SandboxServer:
        settings = SandboxSettings(
            access_token=os.environ[ENV_SHOPIFY_TOKEN],
            shop_domain=SHOP_DOMAIN,
            seed=self.options.seed,
            seed_catalogue=True,
            webhook_secret=os.environ[ENV_WEBHOOK_SECRET],
            bucket_size=PLUS_BUCKET,
            restore_rate=PLUS_RESTORE_RATE,
        )
        server = SandboxServer(settings)
        server.start()
        return server

    def _start_webhooks(self, server: SandboxServer) -> None:
        """Subscribe shopbridge's intake, with the day's unreliability, once it is listening."""
        server.sandbox.settings.webhook_url = f"{self.web_url}/webhooks/shopify"
        if server.state.webhook_emitter is None:
            server.state.webhook_emitter = SeededEmitter(server.state).start()
        server.sandbox.start_webhooks()
        self.emitter().settings.update(
            {
                "drop_rate": self.options.drop_rate,
                "duplicate_rate": self.options.duplicate_rate,
                "jitter": 0.05,
                "seed": self.options.seed,
            }
        )

    def _start_workers(self) -> None:
        self._runtime = Runtime(self._svc(), threads=self.options.workers, name="demo-")
        self._runtime.start()


def _ensure_secrets() -> None:
    """Fresh secrets for this run, handed over the way a real installation does: the environment."""
    for name in (ENV_SHOPIFY_TOKEN, ENV_WEBHOOK_SECRET):
        os.environ.setdefault(name, secrets.token_hex(16))


def _remove_database(workdir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (workdir / f"shopbridge.db{suffix}").unlink(missing_ok=True)


def shop_catalogue(shopify: SandboxServer) -> dict[str, tuple[str, Decimal]]:
    """SKU -> (name, price) of the Shopify sandbox's active products, bundles left out."""
    state = shopify.state
    with state.lock:
        active = {pid: p for pid, p in state.products.items() if p.get("status") == "ACTIVE"}
        found: dict[str, tuple[str, Decimal]] = {}
        for variant in state.variants.values():
            product = active.get(str(variant.get("product_id")))
            sku = variant.get("sku")
            if product is None or not sku or variant.get("components") or sku == BUNDLE[1]:
                continue
            price = variant.get("price") or "0"
            amount = price.get("amount", "0") if isinstance(price, dict) else price
            found.setdefault(
                str(sku), (f"{product['title']} {variant.get('title') or ''}".strip(), Decimal(amount))
            )
        return found


def seed_erp(erp: DemoErp, shopify: SandboxServer) -> dict[str, tuple[str, Decimal]]:
    """The ERP sells what the shop sells (same SKUs, active, in stock), except :data:`LATE_SKU`."""
    catalogue = shop_catalogue(shopify)
    for sku, (name, price) in sorted(catalogue.items()):
        if sku != LATE_SKU:
            erp.add_item(sku, name, price)
    return catalogue


def write_config(
    workdir: Path, shopify_url: str, erp: DemoErp, shopify: SandboxServer, *, extra: str = ""
) -> Path:
    """The demo's shopbridge.toml: an ordinary configuration whose secrets are environment variables."""
    path = workdir / "shopbridge.toml"
    with shopify.state.lock:
        location_ids = sorted(shopify.state.locations)
    locations = "\n".join(f'"{gid}" = "{erp.warehouse}"' for gid in location_ids)
    tax_codes = "\n".join(f'"{rate}" = "{code}"' for rate, code in erp.tax_codes)
    bundle_sku, parts = BUNDLE[1], BUNDLE[3]
    components = ", ".join(f'"{sku}" = {qty}' for sku, qty in parts)
    path.write_text(
        f"""# Written by `shopbridge demo`: shopbridge against the built-in sandboxes.
[database]
url = "sqlite:///{(workdir / "shopbridge.db").resolve()}"

[engine]
poll_seconds = 0.1

[engine.retry]
base_seconds = 1.0
cap_seconds = 10.0

[schedules]
order_sweep = 0  # the demo sweeps itself, after measuring what the webhooks alone brought in
erp_items = 0  # the demo runs the items sweep itself, when it has created the late SKU
catalogue = 0  # and the catalogue sweep, once the day's orders are in
stock_audit = 0  # the demo runs the stock audit itself, at the end of the day
payouts = 0  # the demo sweeps the payouts itself, once the day's payouts are issued
erp_dispatches = 0  # the demo sweeps the despatches itself, once the warehouse has shipped
erp_stock = 0  # the demo sweeps stock itself (demo/stock_day.py), so the day repeats exactly
erp_stock_peak = 0

[lookups.carriers]  # the ERP's courier -> Shopify's carrier name
"Royal Mail" = "Royal Mail"

[lookups.tax_codes]  # UK VAT at 20% and zero-rated: the {erp.title} sandbox's codes
{tax_codes}

[bundles]
"{bundle_sku}" = {{ {components} }}

{stock_config()}

[[shops]]
name = "{SHOP_NAME}"
domain = "{SHOP_DOMAIN}"
admin_url = "{shopify_url}"
access_token = {{ env = "{ENV_SHOPIFY_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_WEBHOOK_SECRET}" }}]
currency = "GBP"
restore_rate = {PLUS_RESTORE_RATE}  # the demo shop is on Shopify Plus
default_customer_account = "{erp.web_account}"
web_accounts = {{ GBP = "{erp.web_account}" }}
amendment_cutoff_minutes = 0
amendment_cutoff_statuses = ["open"]
saleable_return_locations = [{", ".join(f'"{gid}"' for gid in location_ids)}]  # returns go back on sale

[shops.locations]
{locations}
{PAYOUT_ACCOUNTS}

[erp]
vendor = "{erp.vendor}"
max_concurrency = 8

{erp.config()}{extra}""",
        encoding="utf-8",
    )
    return path
