"""End-to-end fixtures: the Shopify sandbox, each ERP through its contract harness, and a shopbridge
stack between them (config TOML with secrets in env vars, ``build_services``, the web app on a real
port receiving the sandbox's signed webhooks, ``Runtime`` worker threads).

The Shopify sandbox and each ERP are started once per module; every test gets its own stack (its
own SQLite store, web app and workers) pointed at them, so tests never see each other's queue.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from shopbridge import admin
from shopbridge.bootstrap import Runtime, Services, build_services
from shopbridge.config import load_settings
from shopbridge.domain.problems import Problem
from shopbridge.domain.records import Customer
from shopbridge.engine import queue
from shopbridge.intake import order_sweep
from shopbridge.ports.erp import ErpPort
from shopbridge.sandbox.serving import ServerThread
from shopbridge.sandbox.shopify.checkout import new_customer
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings
from shopbridge.sandbox.shopify.webhooks import WebhookEmitter
from shopbridge.web.app import create_app

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
SHOP = "e2e"
DOMAIN = "e2e-sandbox.myshopify.com"
ENV_SHOPIFY_TOKEN = "SHOPBRIDGE_E2E_SHOPIFY_TOKEN"
ENV_WEBHOOK_SECRET = "SHOPBRIDGE_E2E_WEBHOOK_SECRET"
ENV_SAGE_TOKEN = "SHOPBRIDGE_E2E_SAGE200_TOKEN"
SHOPIFY_SKUS = ("TEE-S", "TEE-M", "TEE-L", "MUG-01", "BOTTLE-01")  # the sandbox catalogue, added to each ERP


def load_contract(name: str) -> ModuleType:
    """A module of tests/contract (not a package; its folder goes on sys.path as pytest would put it)."""
    if str(CONTRACT) not in sys.path:
        sys.path.insert(0, str(CONTRACT))
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CONTRACT / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def vendor_params(*vendors: str) -> list[Any]:
    """``pytest.param`` per vendor, carrying the harness's own marks (tryton: ``pytest.mark.tryton``)."""
    params = []
    for vendor in vendors:
        marks = tuple(getattr(load_contract(f"harness_{vendor}"), "PYTEST_MARKS", ()))
        params.append(pytest.param(vendor, id=vendor, marks=marks))
    return params


def _secrets() -> None:
    for name in (ENV_SHOPIFY_TOKEN, ENV_WEBHOOK_SECRET, ENV_SAGE_TOKEN):
        os.environ.setdefault(name, secrets.token_hex(16))


# --- Shopify ---------------------------------------------------------------------------------------


class Shopify:
    """The sandbox shop over real HTTP: place orders (checkout), edit, cancel, read an order back."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.sandbox.base_url, timeout=10)
        self.customer_id = new_customer(
            server.state, {"email": "existing@example.com", "firstName": "Erin", "lastName": "Existing"}
        )

    @property
    def emitter(self) -> WebhookEmitter:
        emitter = self.server.state.webhook_emitter
        assert emitter is not None, "the sandbox is not delivering webhooks"
        return emitter

    def deliver_to(self, url: str, **faults: Any) -> None:
        """Point the webhook subscription at ``url`` (and set its faults: duplicate_rate, ...)."""
        self.server.sandbox.settings.webhook_url = url
        self.server.sandbox.start_webhooks()
        self.emitter.settings.update({"duplicate_rate": 0.0, "drop_rate": 0.0, **faults})

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(
            self.server.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": os.environ[ENV_SHOPIFY_TOKEN]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def place(self, lines: list[tuple[str, int]], **request: Any) -> dict[str, Any]:
        """A paid checkout of ``(sku, quantity)`` lines by the standard customer; returns id and name."""
        body: dict[str, Any] = {
            "customer_id": self.customer_id,
            "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            "shipping_address": ADDRESS,
            "payment": "paid",
            **request,
        }
        if "variant_lines" in body:
            body["lines"] = body.pop("variant_lines")
        response = self.http.post("/_sandbox/orders", json=body)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return {"id": order["id"], "name": order["name"]}

    def read(self, order_id: str) -> dict[str, Any]:
        order: dict[str, Any] = self.data(READ, {"id": order_id})["order"]
        return order

    def set_quantity(self, order_id: str, sku: str, quantity: int) -> None:
        calc = self.data(BEGIN, {"id": order_id})["orderEditBegin"]["calculatedOrder"]
        line = next(li for li in calc["lineItems"]["nodes"] if li["sku"] == sku)
        result = self.data(SET, {"id": calc["id"], "line": line["id"], "q": quantity})
        assert result["orderEditSetQuantity"]["userErrors"] == [], result
        committed = self.data(COMMIT, {"id": calc["id"]})["orderEditCommit"]
        assert committed["userErrors"] == [], committed

    def cancel(self, order_id: str) -> None:
        result = self.data(CANCEL, {"id": order_id})["orderCancel"]
        assert result["orderCancelUserErrors"] == [] and result["userErrors"] == [], result

    def new_variant(self, sku: str | None, title: str) -> str:
        """A product the merchant adds in Shopify (the ERP does not know it); returns the variant id."""
        product = add_product(self.server.state, title, status="ACTIVE", vendor="E2E", product_type="Merch")
        variant = add_variant(self.server.state, product["id"], sku=sku, price="11.00", title="Default Title")
        return str(variant["id"])

    def location_id(self) -> str:
        return str(next(iter(self.server.state.locations)))

    def close(self) -> None:
        self.http.close()


ADDRESS = {
    "firstName": "Erin",
    "lastName": "Existing",
    "address1": "1 High Street",
    "city": "London",
    "zip": "E1 1AA",
    "countryCode": "GB",
}
READ = """query($id: ID!) { order(id: $id) { id name tags
  metafield(namespace: "shopbridge", key: "erp_order") { value } } }"""
BEGIN = """mutation($id: ID!) { orderEditBegin(id: $id) { calculatedOrder { id
  lineItems(first: 20) { nodes { id sku quantity } } } userErrors { field message } } }"""
SET = """mutation($id: ID!, $line: ID!, $q: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $q, restock: true) {
    calculatedLineItem { id quantity } userErrors { field message } } }"""
COMMIT = """mutation($id: ID!) {
  orderEditCommit(id: $id, notifyCustomer: false) { order { id } userErrors { message } } }"""
CANCEL = """mutation($id: ID!) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: true, notifyCustomer: false) {
    job { id } orderCancelUserErrors { field message code } userErrors { field message } } }"""


def start_shopify() -> SandboxServer:
    _secrets()
    server = SandboxServer(
        SandboxSettings(
            access_token=os.environ[ENV_SHOPIFY_TOKEN],
            shop_domain=DOMAIN,
            seed=2026,
            seed_catalogue=True,
            webhook_secret=os.environ[ENV_WEBHOOK_SECRET],
        )
    )
    server.start()
    return server


@pytest.fixture(scope="module")
def shopify() -> Iterator[Shopify]:
    """One Shopify sandbox for the module (each test places its own orders)."""
    server = start_shopify()
    shop = Shopify(server)
    try:
        yield shop
    finally:
        shop.close()
        server.stop()


# --- ERPs ------------------------------------------------------------------------------------------


@dataclass
class Erp:
    vendor: str
    harness: Any
    port: ErpPort
    account: str  # the ERP account of the standard customer (existing@example.com)
    added: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def erp(request: pytest.FixtureRequest) -> Iterator[Erp]:
    """The ERP named by the test's ``erp`` parameter, started once per module, carrying the Shopify
    sandbox's SKUs (added as a product team would, through the harness)."""
    vendor = str(request.param)
    harness = load_contract(f"harness_{vendor}").make_harness()
    port = harness.start()
    try:
        for sku in SHOPIFY_SKUS:
            harness.add_item(sku, price=Decimal("15.00"))
        account = port.find_or_create_customer(Customer(email="existing@example.com")).account
        yield Erp(vendor, harness, port, account)
    finally:
        harness.stop()


# --- the shopbridge stack --------------------------------------------------------------------------


def write_config(
    workdir: Path,
    shopify_url: str,
    *,
    database: str,
    shop_extra: str = "",
    erp: str = "",
    overlap: int = 600,
    flows_extra: str = "",
    fulfilments: bool = False,
    refunds: bool = False,
) -> Path:
    path = workdir / "shopbridge.toml"
    path.write_text(
        f"""[database]
url = "{database}"

[engine]
poll_seconds = 0.05
lease_seconds = 30
heartbeat_seconds = 5

[engine.retry]
base_seconds = 0.2
cap_seconds = 1.0

[schedules]
order_sweep = 0
erp_items = 0
erp_stock = 0
erp_dispatches = 0
lease_reaper = 0
order_sweep_overlap = {overlap}
refunds = 0
reconcile = 0

[flows]
orders = true
customers = false
stock = false
catalogue = false
fulfilments = {str(fulfilments).lower()}
refunds = {"true" if refunds else "false"}
payouts = false
{flows_extra}

[[shops]]
name = "{SHOP}"
domain = "{DOMAIN}"
admin_url = "{shopify_url}"
access_token = {{ env = "{ENV_SHOPIFY_TOKEN}" }}
webhook_secrets = [{{ env = "{ENV_WEBHOOK_SECRET}" }}]
currency = "GBP"
{shop_extra}
{erp}
""",
        encoding="utf-8",
    )
    return path


# With the harness's adapter injected, the configured ERP is never built; the section only says an ERP
# is there (flows run only between a shop and an ERP).
_INJECTED_ERP = """
[erp]
vendor = "tryton"

[erp.tryton]
url = "http://127.0.0.1:9"
database = "replaced-by-the-harness-adapter"
password = { env = "SHOPBRIDGE_E2E_UNUSED" }
"""
os.environ.setdefault("SHOPBRIDGE_E2E_UNUSED", "unused")


class Stack:
    """shopbridge between the sandbox shop and one ERP: web intake on a real port, worker threads."""

    def __init__(
        self,
        shopify: Shopify,
        workdir: Path,
        *,
        port: ErpPort | None = None,
        database: str = "",
        shop_extra: str = "",
        erp_config: str = "",
        workers: int = 2,
        overlap: int = 600,
        flows_extra: str = "",
        fulfilments: bool = False,
        refunds: bool = False,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.shopify = shopify
        database = database or f"sqlite:///{(workdir / 'shopbridge.db').resolve()}"
        config = write_config(
            workdir,
            shopify.server.sandbox.base_url,
            database=database,
            shop_extra=shop_extra,
            erp=erp_config or (_INJECTED_ERP if port is not None else ""),
            overlap=overlap,
            flows_extra=flows_extra,
            fulfilments=fulfilments,
            refunds=refunds,
        )
        self.services: Services = build_services(load_settings(config))
        self.services.store.migrate()
        self._injected = port is not None
        if port is not None:
            # The harness's adapter, already wired to its ERP (the contract suite's own wiring).
            self.services._erp = port
        self.web = ServerThread(create_app(self.services), port=0, name="e2e-web")
        self.web_url = self.web.start()
        shopify.deliver_to(f"{self.web_url}/webhooks/shopify")
        self._workers = workers
        self.runtime = Runtime(self.services, threads=workers, name="e2e-")
        self.runtime.start()

    @contextmanager
    def workers_paused(self) -> Iterator[None]:
        """No job runs inside the block (webhooks still arrive and are queued): a person's action in
        the ERP then surely comes before shopbridge's."""
        self.runtime.stop(timeout=30)
        try:
            yield
        finally:
            self.runtime = Runtime(self.services, threads=self._workers, name="e2e-")
            self.runtime.start()

    def stop(self) -> None:
        self.shopify.emitter.flush(timeout=10)
        self.web.stop()
        self.runtime.stop(timeout=30)
        if self._injected:
            self.services._erp = None  # the harness closes its own adapter
        self.services.close()

    # -- driving -------------------------------------------------------------------------------
    def settle(self, timeout: float = 60.0) -> None:
        """Wait until Shopify has delivered every webhook and no job is pending or running (twice in a
        row, since a job's write-back makes Shopify send another webhook)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            assert time.monotonic() < deadline, f"still busy: {admin.status(self.services).to_json()}"
            assert self.shopify.emitter.flush(timeout=max(deadline - time.monotonic(), 0.1))
            busy = any(row.state in ("pending", "running") for row in admin.status(self.services).queue)
            quiet = 0 if busy else quiet + 1
            time.sleep(0.1)

    def sweep_orders(self) -> None:
        order_sweep.request_sweep(self.services.store, SHOP, actor="e2e", now=self.services.clock.now())

    def sweep_erp_items(self) -> None:
        with self.services.store.begin() as conn:
            queue.enqueue(conn, "sweep.erp_items", {}, shop=SHOP, now=self.services.clock.now())

    def problems(self, kind: str | None = None, status: str | None = "open") -> list[Problem]:
        return admin.list_problems(self.services, kind=kind, status=status)

    def problems_of(self, order: dict[str, Any], status: str | None = "open") -> list[Problem]:
        """The order's problems, except a customer conflict: the seeded ERP customer's name differs
        from the Shopify customer's in some ERPs, which the flow reports (rightly) and posts anyway."""
        found = self.problems(status=status)
        return [p for p in found if p.entity_id == order["id"] and p.kind.value != "customer_conflict"]

    def start_watermark(self, at: Any) -> None:
        order_sweep.start_watermark(self.services.store, SHOP, at)

    def sync(self, order: dict[str, Any]) -> Any:
        return admin.order_story(self.services, order["name"])

    def jobs(self, state: str | None = None) -> list[Any]:
        return admin.list_jobs(self.services, state=state, limit=500)


@pytest.fixture
def make_stack(shopify: Shopify, tmp_path: Path) -> Iterator[Any]:
    """Build a stack for this test (once; later calls stop the previous one)."""
    made: list[Stack] = []

    def build(port: ErpPort | None, **options: Any) -> Stack:
        for old in made:
            old.stop()
        made.clear()
        stack = Stack(shopify, tmp_path / f"stack{len(made)}", port=port, **options)
        made.append(stack)
        return stack

    yield build
    for stack in made:
        stack.stop()
