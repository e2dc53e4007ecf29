"""The demo stack: shopbridge wired to the built-in sandboxes, all on 127.0.0.1.

It is an installation like any other (a TOML file, secrets in environment variables, a SQLite
store, ``build_services``), pointed at the Shopify sandbox and the Sage 200 sandbox instead of the
real systems. The sandboxes run in this process on free ports; shopbridge's web side, workers and
the sandboxes talk over real HTTP.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from shopbridge import admin
from shopbridge.bootstrap import Runtime, Services, build_services
from shopbridge.config import load_settings
from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.serving import ServerThread
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings
from shopbridge.sandbox.shopify.webhooks import WebhookEmitter
from shopbridge.web.app import create_app

SHOP_NAME = "demo"
SHOP_DOMAIN = "sandbox.myshopify.com"
ENV_SHOPIFY_TOKEN = "SHOPBRIDGE_DEMO_SHOPIFY_TOKEN"
ENV_WEBHOOK_SECRET = "SHOPBRIDGE_DEMO_WEBHOOK_SECRET"
ENV_SAGE_TOKEN = "SHOPBRIDGE_DEMO_SAGE200_TOKEN"


@dataclass(frozen=True)
class DemoOptions:
    """How big and how unreliable the simulated day is."""

    workdir: Path
    orders: int = 40
    seed: int = 2026
    drop_rate: float = 0.10  # webhooks Shopify never delivers: the sweep must bring these in
    duplicate_rate: float = 0.10  # webhooks delivered twice: the inbox must absorb these
    workers: int = 2
    port: int = 0


class DemoStack:
    """Start the sandboxes and shopbridge (web + workers) on free 127.0.0.1 ports; stop them all."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        _ensure_secrets()
        self.sage = Sage200Sandbox(token=os.environ[ENV_SAGE_TOKEN])
        self.shopify: SandboxServer | None = None
        self.services: Services | None = None
        self.web_url = ""
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
        self.sage.start()
        self.shopify = self._start_shopify()
        config = write_config(self.options.workdir, self.shopify.sandbox.base_url, self.sage)
        self.services = build_services(load_settings(config))
        self.services.store.migrate()
        self._web = ServerThread(create_app(self.services), port=self.options.port, name="shopbridge-web")
        self.web_url = self._web.start()
        self._start_webhooks(self.shopify)
        self._start_workers()

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
        if self._runtime is not None:
            self._runtime.stop(timeout=15)
        if self.shopify is not None:
            self.shopify.stop()
        self.sage.stop()
        if self.services is not None:
            self.services.close()

    def wait_until_idle(self, timeout: float = 120.0) -> bool:
        """Wait until no job is pending or running; False if ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(row.state in ("pending", "running") for row in admin.status(self._svc()).queue):
                return True
            time.sleep(0.2)
        return False

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
        )
        server = SandboxServer(settings)
        server.start()
        return server

    def _start_webhooks(self, server: SandboxServer) -> None:
        """Subscribe shopbridge's intake, with the day's unreliability, once it is listening."""
        server.sandbox.settings.webhook_url = f"{self.web_url}/webhooks/shopify"
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
    for name in (ENV_SHOPIFY_TOKEN, ENV_WEBHOOK_SECRET, ENV_SAGE_TOKEN):
        os.environ.setdefault(name, secrets.token_hex(16))


def _remove_database(workdir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (workdir / f"shopbridge.db{suffix}").unlink(missing_ok=True)


def write_config(workdir: Path, shopify_url: str, sage: Sage200Sandbox) -> Path:
    """The demo's shopbridge.toml: an ordinary configuration whose secrets are environment variables."""
    path = workdir / "shopbridge.toml"
    path.write_text(
        f"""# Written by `shopbridge demo`: shopbridge against the built-in sandboxes.
[database]
url = "sqlite:///{(workdir / "shopbridge.db").resolve()}"

[engine]
poll_seconds = 0.1

[engine.retry]
base_seconds = 1.0
cap_seconds = 10.0

[[shops]]
name = "{SHOP_NAME}"
domain = "{SHOP_DOMAIN}"
admin_url = "{shopify_url}"
access_token = {{ env = "{ENV_SHOPIFY_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_WEBHOOK_SECRET}" }}]
currency = "GBP"

[erp]
vendor = "sage200"

[erp.sage200]
base_url = "{sage.base_url}"
site_id = "{sage.site_id}"
company_id = "{sage.company_id}"
access_token = {{ env = "{ENV_SAGE_TOKEN}" }}
""",
        encoding="utf-8",
    )
    return path
