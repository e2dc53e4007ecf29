"""Two stores on one shopbridge (an agency's case): store A peaks, store B trades at its normal rate.

A scenario with ``[second_store]`` (the ``two-stores`` preset) runs the usual rehearsal for store A
(the demo's day, the peak with its faults, every ground-truth check) and, beside it, a second
Shopify sandbox for store B: its own shop, domain, token and cost bucket, configured as a second
``[[shops]]`` entry like the first, sending its webhooks to the same intake. While A's peak is
placed, B places its orders at its own rate and its stock sweep is queued like A's. The shops share
the ERP and the workers; each has its own Shopify client and budget.

What it shows (``stores`` in the report): per store, the orders placed and posted, the orders per
second, the order jobs' time from enqueue to done, the oldest pending job's age, the Shopify points
used and their share of the store's plan, and the ground truth (orders lost, orders doubled); and
the fairness: how many of A's order jobs were still to finish when B's last one was done.

Store B numbers its orders from :data:`FIRST_ORDER_NUMBER`: the ERP knows an order by its Shopify name,
and two stores that both count from #1001 would give one ERP the same reference twice. B's entry
says so with ``order_names_distinct = true`` (a real installation gives each store its own
``order_reference_prefix``, or distinct order-name prefixes in Shopify and that flag).
"""

from __future__ import annotations

import os
import random
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopbridge.demo.stack import ENV_WEBHOOK_SECRET, LATE_SKU, SHOP_NAME, shop_catalogue
from shopbridge.engine import queue
from shopbridge.flows.stock_to_shopify import KIND as STOCK_SWEEP
from shopbridge.intake.order_sweep import enqueue_sweep
from shopbridge.rehearse.peak import ADDRESS, Peak
from shopbridge.rehearse.runner import Rehearsal
from shopbridge.rehearse.sampler import Sampler
from shopbridge.rehearse.scenario import Scenario, SecondStore
from shopbridge.rehearse.stack import BudgetMeter, RehearsalStack, StackSpec
from shopbridge.rehearse.store_figures import QueueAgeSampler, StoreRun, store_figures, store_findings
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.seed import BUNDLE
from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings
from shopbridge.sandbox.shopify.state import ShopState

__all__ = ["FIRST_ORDER_NUMBER", "STORE_B", "TwoStoreRehearsal", "TwoStoreStack", "rehearsal_for"]

STORE_B = "store-b"
STORE_B_DOMAIN = "store-b.myshopify.com"
ENV_STORE_B_TOKEN = "SHOPBRIDGE_REHEARSE_STORE_B_TOKEN"
FIRST_ORDER_NUMBER = 50001
STOCK_SWEEP_SECONDS = 2.0  # store B's stock sweep, queued like the peak's (A's every second)
_SHOP_BLOCK = re.compile(r"^\[\[shops\]\]\n.*?(?=^\[erp\]\n)", re.MULTILINE | re.DOTALL)


def rehearsal_for(scenario: Scenario, spec: StackSpec) -> Rehearsal:
    """The rehearsal the scenario asks for: two stores with ``[second_store]``, else one."""
    return (
        TwoStoreRehearsal(scenario, spec) if scenario.second_store is not None else Rehearsal(scenario, spec)
    )


class TwoStoreStack(RehearsalStack):
    """The rehearsal's stack plus store B: a second Shopify sandbox and its ``[[shops]]`` entry."""

    def __init__(self, scenario: Scenario, spec: StackSpec) -> None:
        super().__init__(scenario, spec)
        assert scenario.second_store is not None
        self.second: SecondStore = scenario.second_store
        self.store_b: SandboxServer | None = None
        self.budget_b = BudgetMeter()

    def configure(self, config: Path) -> None:
        super().configure(config)
        self.store_b = self._start_store_b()
        text = config.read_text(encoding="utf-8")
        config.write_text(text + "\n" + store_b_block(text, self.store_b.sandbox.base_url), encoding="utf-8")

    def start(self) -> None:
        super().start()
        assert self.store_b is not None
        self.store_b.sandbox.settings.webhook_url = f"{self.web_url}/webhooks/shopify"
        self.store_b.sandbox.start_webhooks()

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.store_b is not None:
                self.store_b.stop()

    def _start_store_b(self) -> SandboxServer:
        os.environ.setdefault(ENV_STORE_B_TOKEN, secrets.token_hex(16))
        plan = self.second.plan
        server = SandboxServer(
            SandboxSettings(
                access_token=os.environ[ENV_STORE_B_TOKEN],
                shop_domain=STORE_B_DOMAIN,
                seed=self.scenario.seed,
                seed_catalogue=True,  # the same catalogue as store A: the ERP's items
                webhook_secret=os.environ[ENV_WEBHOOK_SECRET],
                bucket_size=plan.bucket,
                restore_rate=plan.restore_rate,
            )
        )
        with server.state.lock:
            server.state.next_order_number = FIRST_ORDER_NUMBER
        server.start()
        self.budget_b.wrap(server.sandbox.bucket)
        return server


def store_b_block(config: str, admin_url: str) -> str:
    """Store A's ``[[shops]]`` entry (with its locations and accounts) as store B's: B's name, domain,
    address, token and plan; the same ERP accounts and warehouse mapping (the same seeded locations)."""
    found = _SHOP_BLOCK.search(config)
    if found is None:
        raise RuntimeError("the rehearsal's configuration has no [[shops]] entry before [erp]")
    block = found.group(0)
    for key, value in (("name", STORE_B), ("domain", STORE_B_DOMAIN), ("admin_url", admin_url)):
        block = re.sub(rf'^{key} = "[^"]*"', f'{key} = "{value}"', block, count=1, flags=re.MULTILINE)
    # B's names (#50001 on) never equal A's: say so, or the two stores on one ERP refuse to start
    block = re.sub(r'^(name = "[^"]*")$', r"\1\norder_names_distinct = true", block, count=1, flags=re.M)
    block = re.sub(
        r"^access_token = \{[^}]*\}",
        f'access_token = {{ env = "{ENV_STORE_B_TOKEN}" }}',
        block,
        count=1,
        flags=re.M,
    )
    return block


class StoreBTrade:
    """Store B's shoppers: ``orders`` at ``orders_per_second``, on a thread, while A's peak runs."""

    def __init__(self, stack: TwoStoreStack, seed: int) -> None:
        self.stack = stack
        self.names: list[str] = []
        self._rng = random.Random(seed + 1)
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rehearse-store-b", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            self._trade()
        except BaseException as exc:  # raised again by join(), on the rehearsal's thread
            self.error = exc

    def _trade(self) -> None:
        second, state = self.stack.second, self._state()
        skus = sorted(sku for sku in shop_catalogue(self._server()) if sku in self.stack.catalogue)
        skus = [sku for sku in skus if sku not in (LATE_SKU, BUNDLE[1])]
        begin = time.monotonic()
        next_sweep = begin
        for n in range(second.orders):
            due = begin + n / second.orders_per_second
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            if time.monotonic() >= next_sweep:
                queue_stock_sweep(self.stack, STORE_B, n)
                next_sweep = time.monotonic() + STOCK_SWEEP_SECONDS
            self._order(state, skus, n)

    def _order(self, state: ShopState, skus: list[str], n: int) -> None:
        in_stock = [sku for sku in skus if available(state, sku) > 0]
        if not in_stock:
            return
        order = place_order(
            state,
            {
                "lines": [{"sku": self._rng.choice(in_stock), "quantity": 1}],
                "shipping": {"title": "Standard", "price": "3.95", "code": "STD"},
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": True,
                "gateway": "shopify_payments",
                "payment": "paid",
                "customer": {"email": f"storeb{n}@example.com", "firstName": "Sam", "lastName": f"Store{n}"},
                "shipping_address": {**ADDRESS, "firstName": "Sam", "lastName": f"Store{n}"},
            },
        )
        self.names.append(str(order["name"]))

    def _server(self) -> SandboxServer:
        assert self.stack.store_b is not None
        return self.stack.store_b

    def _state(self) -> ShopState:
        return self._server().state


def available(state: ShopState, sku: str) -> int:
    """Units the shop offers of ``sku``: its variants' ``available`` over every location."""
    with state.lock:
        items = {str(v["inventory_item_id"]) for v in state.variants.values() if v.get("sku") == sku}
        return sum(
            levels.get("available", 0)
            for (item, _loc), levels in state.inventory_levels.items()
            if item in items
        )


def queue_stock_sweep(stack: RehearsalStack, shop: str, n: int) -> None:
    """A stock sweep of ``shop``, keyed per sweep as the scheduler's runs are."""
    services = stack.services
    assert services is not None
    with services.store.begin() as conn:
        key = f"{STOCK_SWEEP}:rehearsal:{shop}:{n}"
        queue.enqueue(conn, STOCK_SWEEP, {}, shop=shop, dedup_key=key, now=services.clock.now())


class TwoStoreRehearsal(Rehearsal):
    """The rehearsal of store A, with store B trading at its normal rate from the first order of A's peak."""

    def __init__(self, scenario: Scenario, spec: StackSpec) -> None:
        super().__init__(scenario, spec)
        self.trade_b: StoreBTrade | None = None
        self.ages: QueueAgeSampler | None = None
        self._stack: TwoStoreStack | None = None
        self._since: datetime | None = None
        self._window = (0.0, 0.0)
        self._peak_names: list[str] = []
        self._points: dict[str, tuple[int, int]] = {}  # store -> (points, throttled) over the peak

    def run(self) -> dict[str, Any]:
        stack = self._stack = TwoStoreStack(self.scenario, self.spec)
        try:  # as Rehearsal.run: a start cut short must stop what it started too
            stack.start()
            assert stack.services is not None
            sampler = Sampler(stack)
            self.state.sampler = sampler
            self.ages = QueueAgeSampler(stack.services.store, stack.services.clock)
            sampler.start()
            self.ages.start()
            try:
                return self._with_stores(stack, self._run(stack, sampler))
            finally:
                self.ages.stop()
                sampler.stop()
        finally:
            stack.stop()

    def _placed(self, n: int) -> None:
        super()._placed(n)
        if self.trade_b is None and self._stack is not None:  # A's first peak order: B starts trading
            self.trade_b = StoreBTrade(self._stack, self.scenario.seed)
            self.trade_b.start()

    def _peak(self, stack: RehearsalStack, sampler: Sampler, day: Any, peak: Peak) -> bool:
        assert isinstance(stack, TwoStoreStack) and stack.services is not None
        self._since = datetime.now(UTC)
        before = {SHOP_NAME: stack.budget.read(), STORE_B: stack.budget_b.read()}
        began = sampler.now()
        try:
            drained = super()._peak(stack, sampler, day, peak)
        finally:
            if self.trade_b is not None:
                self.trade_b.join()
        with stack.services.store.begin() as conn:  # B's webhooks were not faulty, but sweeps are the truth
            enqueue_sweep(conn, STORE_B, now=stack.services.clock.now())
        drained = stack.wait_until_idle(timeout=self.scenario.drain_timeout_seconds) and drained
        self._window = (began, sampler.now())
        self._peak_names = list(peak.names)
        after = {SHOP_NAME: stack.budget.read(), STORE_B: stack.budget_b.read()}
        self._points = {
            shop: (after[shop][0] - before[shop][0], after[shop][1] - before[shop][1]) for shop in after
        }
        return drained

    def _with_stores(self, stack: TwoStoreStack, result: dict[str, Any]) -> dict[str, Any]:
        assert self.ages is not None and self._since is not None and stack.services is not None
        names_b = self.trade_b.names if self.trade_b is not None else []
        runs = [
            StoreRun(SHOP_NAME, "store A (peak)", self._peak_names, *self._points[SHOP_NAME],
                     restore_rate=self.scenario.shopify.plan.restore_rate),
            StoreRun(STORE_B, "store B (normal rate)", names_b, *self._points[STORE_B],
                     restore_rate=stack.second.plan.restore_rate),
        ]  # fmt: skip
        figures = store_figures(
            stack.services.store,
            runs,
            self.ages,
            since=self._since,
            window_seconds=self._window[1] - self._window[0],
            erp_references=[o.reference for o in stack.erp.orders()],
        )
        result["stores"] = figures
        result["findings"] = [*result["findings"], *(f.to_json() for f in store_findings(figures))]
        result["ok"] = not result["findings"]
        return result
