"""The peak: orders placed in Shopify at the scenario's rate while the workers run, the faults on cue.

Shoppers buy like a storefront that denies overselling: a SKU Shopify shows none of is not bought
(another is), so units sold beyond the ERP's stock are what the lag between the ERP's change and
Shopify's level let through, the oversells the report names. Half of the units go to the
bestsellers. During the peak the stock sweep is queued every second, as ``erp_stock_peak`` would be.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shopbridge.demo.stack import LATE_SKU, SHOP_NAME
from shopbridge.demo.stock_day import set_erp_stock
from shopbridge.engine import queue
from shopbridge.engine.scheduler import sweep_dedup_key
from shopbridge.flows.stock_to_shopify import KIND as STOCK_SWEEP
from shopbridge.flows.stock_to_shopify import SCHEDULE as STOCK_SCHEDULE
from shopbridge.rehearse.scenario import Scenario
from shopbridge.rehearse.stack import RehearsalStack
from shopbridge.sandbox.shopify.checkout import place_order
from shopbridge.sandbox.shopify.resolvers.products import add_product, add_variant
from shopbridge.sandbox.shopify.state import ShopState

__all__ = ["Peak", "extend_catalogue"]

STOCK_SWEEP_SECONDS = 1.0
ALIGN_TIMEOUT = 120.0
ADDRESS = {
    "firstName": "Pat",
    "lastName": "Peak",
    "address1": "1 High Street",
    "city": "London",
    "zip": "E1 1AA",
    "countryCode": "GB",
}
EXTRA_PRICE = Decimal("12.00")


def extend_catalogue(stack: RehearsalStack, size: int) -> list[str]:
    """The peak's SKUs: the demo shop's own (bar the one its ERP only gets later in the day, and those
    Shopify holds on two variants), and new products in both systems up to ``size``.

    A SKU on two variants (the demo's old-stock mug shares the coffee mug's) is a catalogue defect:
    shopbridge reports it to merchandising and pushes to neither variant, so shoppers would buy the
    second variant's own stock, which no ERP figure limits. The peak rehearses the push's lag.
    """
    assert stack.shopify is not None
    shared = _skus_on_several_variants(stack.shopify.state)
    skus = sorted(sku for sku in stack.catalogue if sku != LATE_SKU and sku not in shared)[:size]
    for n in range(len(skus), size):
        sku = f"RH-{n:04d}"
        product = add_product(stack.shopify.state, f"Rehearsal item {n}", status="ACTIVE", vendor="Rehearsal")
        add_variant(
            stack.shopify.state, product["id"], sku=sku, price=str(EXTRA_PRICE), title="Default Title"
        )
        stack.erp.add_item(sku, f"Rehearsal item {n}", EXTRA_PRICE)
        stack.catalogue[sku] = (f"Rehearsal item {n}", EXTRA_PRICE)
        skus.append(sku)
    return skus


def _skus_on_several_variants(state: ShopState) -> set[str]:
    with state.lock:
        counts = Counter(str(v.get("sku") or "") for v in state.variants.values())
    return {sku for sku, n in counts.items() if sku and n > 1}


@dataclass
class Peak:
    stack: RehearsalStack
    scenario: Scenario
    skus: list[str]
    clock: Callable[[], float]  # seconds since the rehearsal began (the sampler's clock)
    names: list[str] = field(default_factory=list)
    sold: Counter[str] = field(default_factory=Counter)
    events: list[dict[str, Any]] = field(default_factory=list)
    started_at: float = 0.0
    placed_at: float = 0.0
    _sweeps: int = 0

    def run(self, progress: Callable[[int], None]) -> None:
        trade, faults = self.scenario.trade, self.scenario.faults
        rng = random.Random(self.scenario.seed)
        bestsellers = self.skus[: trade.bestsellers]
        if trade.bestseller_stock is not None:
            for sku in bestsellers:
                set_erp_stock(self.stack.erp, sku, Decimal(trade.bestseller_stock))
        self._queue_stock_sweep()
        self.stack.wait_until_idle(timeout=ALIGN_TIMEOUT)  # Shopify shows the ERP's levels as the peak opens
        self.stack.gate.error_rate = faults.erp_error_rate
        cues = self._cues()
        begin = time.monotonic()
        self.started_at = self.clock()
        next_sweep = begin
        for n in range(trade.orders):
            due = begin + n / trade.orders_per_second
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            cues = [cue for cue in cues if not cue(time.monotonic() - begin)]
            if time.monotonic() >= next_sweep:
                self._queue_stock_sweep()
                next_sweep = time.monotonic() + STOCK_SWEEP_SECONDS
            self._order(rng, bestsellers, n)
            progress(n + 1)
        while cues:  # a cue later than the last order still happens
            time.sleep(0.1)
            cues = [cue for cue in cues if not cue(time.monotonic() - begin)]
        self.placed_at = self.clock()

    def end_faults(self) -> None:
        self.stack.gate.error_rate = 0.0

    def _order(self, rng: random.Random, bestsellers: list[str], n: int) -> None:
        state = self._state()
        wanted = rng.choice(bestsellers) if bestsellers and rng.random() < 0.5 else rng.choice(self.skus)
        sku = wanted if _shopify_available(state, wanted) > 0 else self._in_stock(rng, state)
        if sku is None:
            return
        # The storefront denies overselling: a cart of 2 where Shopify offers 1 takes the 1.
        quantity = min(1 + n % 2, _shopify_available(state, sku))
        order = place_order(
            state,
            {
                "lines": [{"sku": sku, "quantity": quantity}],
                "shipping": {"title": "Standard", "price": "3.95", "code": "STD"},
                "tax": {"title": "VAT", "rate": "0.2"},
                "taxes_included": True,
                "gateway": "shopify_payments",
                "payment": "paid",
                "customer": {"email": f"peak{n}@example.com", "firstName": "Pat", "lastName": f"Peak{n}"},
                # Where it ships: an ERP that works tax out by the customer's country (Tryton) needs it.
                "shipping_address": {**ADDRESS, "lastName": f"Peak{n}"},
            },
        )
        self.names.append(str(order["name"]))
        self.sold[sku] += quantity

    def _in_stock(self, rng: random.Random, state: ShopState) -> str | None:
        choices = [sku for sku in self.skus if _shopify_available(state, sku) > 0]
        return rng.choice(choices) if choices else None

    def _cues(self) -> list[Callable[[float], bool]]:
        """Each fault as a callable of the peak's elapsed seconds: True once it has happened."""
        faults, stack = self.scenario.faults, self.stack
        cues: list[Callable[[float], bool]] = []

        def at(when: float, name: str, act: Callable[[], object]) -> Callable[[float], bool]:
            def cue(elapsed: float) -> bool:
                if elapsed < when:
                    return False
                detail = act()
                self.events.append({"at": round(self.clock(), 2), "event": name, "detail": str(detail or "")})
                return True

            return cue

        if faults.erp_outage_seconds:
            cues.append(
                at(faults.erp_outage_at, "erp outage", lambda: stack.gate.outage(faults.erp_outage_seconds))
            )
        if faults.shopify_throttle_seconds:
            cues.append(at(faults.erp_outage_at, "shopify budget emptied", self._empty_budget))
            cues.append(
                at(
                    faults.erp_outage_at + faults.shopify_throttle_seconds,
                    "shopify budget back",
                    self._restore_budget,
                )
            )
        if faults.kill_worker_at is not None:
            cues.append(at(faults.kill_worker_at, "worker killed (SIGKILL)", self._kill))
        return cues

    def _kill(self) -> str:
        pool = self.stack.pool
        pid = pool.kill_one() if pool is not None else None
        return f"pid {pid}, replaced" if pid else "no worker to kill"

    def _empty_budget(self) -> str:
        """Another app spends the shop's budget: Shopify answers THROTTLED until it refills."""
        bucket = self._bucket()
        bucket.configure(restore_rate=self.scenario.shopify.plan.restore_rate / 20)
        available = self.stack.budget.drain(bucket)
        return f"{available} points taken, restoring at a twentieth"

    def _restore_budget(self) -> str:
        self._bucket().configure(restore_rate=self.scenario.shopify.plan.restore_rate)
        return f"restoring at {self.scenario.shopify.plan.restore_rate:g} points/s"

    def _bucket(self) -> Any:
        assert self.stack.shopify is not None
        return self.stack.shopify.sandbox.bucket

    def _queue_stock_sweep(self) -> None:
        services = self.stack.services
        assert services is not None
        # The scheduler's dedup key: while a sweep is pending or running no second one is added, so
        # sweeps slower than a second at the peak's height do not pile up behind each other (each
        # run keys its Shopify writes by its own job and attempt).
        self._sweeps += 1
        key = sweep_dedup_key(STOCK_SCHEDULE)
        with services.store.begin() as conn:
            queue.enqueue(conn, STOCK_SWEEP, {}, shop=SHOP_NAME, dedup_key=key, now=services.clock.now())

    def _state(self) -> ShopState:
        assert self.stack.shopify is not None
        return self.stack.shopify.state


def _shopify_available(state: ShopState, sku: str) -> int:
    """Units Shopify offers of ``sku``: its variant's ``available`` summed over the locations."""
    with state.lock:
        items = {str(v["inventory_item_id"]) for v in state.variants.values() if v.get("sku") == sku}
        return sum(
            levels.get("available", 0)
            for (item, _loc), levels in state.inventory_levels.items()
            if item in items
        )
