"""The rehearsal's stack: the demo's (sandboxes, shopbridge's web intake, a config like any other)
with the scenario's ERP gate, Shopify plan and store, and real ``shopbridge worker`` processes.

:class:`RehearsalStack` is a :class:`~shopbridge.demo.stack.DemoStack`, so the demo's phases and
checks run on it unchanged; it differs where the scenario says: the ERP is reached through an
:class:`~shopbridge.rehearse.erp_gate.ErpGate`, the shop is on the scenario's plan, the store is the
one asked for, and the workers are processes that can be killed.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopbridge.demo.stack import PLUS_RESTORE_RATE, DemoOptions, DemoStack
from shopbridge.rehearse.erp_gate import ErpGate
from shopbridge.rehearse.scenario import Scenario
from shopbridge.rehearse.workers import WorkerPool

__all__ = ["BudgetMeter", "RehearsalStack"]

LEASE_SECONDS = 6.0  # a killed worker's job is taken over this soon (the default is a minute)
# The demo's retry schedule is compressed (1 s doubling to 10 s), as the scenarios' outages are (a
# 5-minute outage rehearsed in 20 s). Ten attempts then span about 65 s, so a 20 s outage followed
# by 5% of ERP calls failing (a Tryton order takes about seven calls) could use them all up and kill
# an order job, which the default schedule (5 s doubling to an hour: ~40 minutes over ten attempts)
# never would for a 5-minute outage. Twenty attempts keep the compressed budget in that proportion.
RETRY_ATTEMPTS = 20
_ERP_URL = re.compile(r'^(?:base_url|url) = "(http[^"]+)"', re.MULTILINE)


class BudgetMeter:
    """The Shopify sandbox's cost bucket, counted: points charged and requests throttled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.points = 0
        self.throttled = 0
        self._charge: Any = None

    def wrap(self, bucket: object) -> None:
        charge = self._charge = bucket.try_charge  # type: ignore[attr-defined]

        def counted(cost: int) -> bool:
            ok = bool(charge(cost))
            with self._lock:
                if ok:
                    self.points += cost
                else:
                    self.throttled += 1
            return ok

        give_back = bucket.refund  # type: ignore[attr-defined]

        def refunded(points: int) -> None:  # the requested cost is charged, the unused part given back
            give_back(points)
            with self._lock:
                self.points -= max(0, points)

        bucket.try_charge = counted  # type: ignore[attr-defined]
        bucket.refund = refunded  # type: ignore[attr-defined]

    def drain(self, bucket: Any) -> int:
        """Take every point left, as another app on the shop would; not counted as the rehearsal's use."""
        available = int(bucket.status()["currentlyAvailable"])
        self._charge(available)
        return available

    def read(self) -> tuple[int, int]:
        with self._lock:
            return self.points, self.throttled


@dataclass(frozen=True)
class StackSpec:
    workdir: Path
    erp: str
    database_url: str
    workers: int
    threads: int


class RehearsalStack(DemoStack):
    def __init__(self, scenario: Scenario, spec: StackSpec) -> None:
        faults = scenario.faults
        super().__init__(
            DemoOptions(
                workdir=spec.workdir,
                orders=scenario.trade.day_orders,
                seed=scenario.seed,
                drop_rate=faults.webhook_drop_rate,
                duplicate_rate=faults.webhook_duplicate_rate,
                erp=spec.erp,
            )
        )
        self.scenario, self.spec = scenario, spec
        self.gate = ErpGate(
            concurrency=scenario.erp.concurrency,
            latency=scenario.erp.latency_seconds,
            error_rate=0.0,  # errors start with the peak: the setup's own calls are not the rehearsal
            seed=scenario.seed,
        )
        self.budget = BudgetMeter()
        self.pool: WorkerPool | None = None
        self.config_path = spec.workdir / "shopbridge.toml"

    def configure(self, config: Path) -> None:
        """The demo's config, pointed at the gate, the plan's budget, the store and short leases."""
        assert self.shopify is not None
        plan = self.scenario.shopify.plan
        self.shopify.sandbox.bucket.configure(maximum=plan.bucket, restore_rate=plan.restore_rate)
        self.shopify.sandbox.bucket.refill_fully()
        self.budget.wrap(self.shopify.sandbox.bucket)
        text = config.read_text(encoding="utf-8")
        erp_section = text.index("\n[erp]\n")
        found = _ERP_URL.search(text, erp_section)
        if found is None:
            raise RuntimeError(f"no ERP address in the [erp] section of {config}")
        gate_url = self.gate.start(found.group(1))
        text = text[:erp_section] + text[erp_section:].replace(found.group(1), gate_url, 1)
        text = _replace(text, "max_concurrency = 8", f"max_concurrency = {self.scenario.erp.concurrency}")
        text = _replace(text, f"restore_rate = {PLUS_RESTORE_RATE}", f"restore_rate = {plan.restore_rate}")
        text = re.sub(
            r'^url = "sqlite:[^"]*"', f'url = "{self.spec.database_url}"', text, count=1, flags=re.M
        )
        text = _replace(
            text, "cap_seconds = 10.0\n", f"cap_seconds = 10.0\nmax_attempts = {RETRY_ATTEMPTS}\n"
        )
        text = _replace(
            text,
            "[engine]\n",
            f"[engine]\nlease_seconds = {LEASE_SECONDS}\nheartbeat_seconds = 1.0\n"
            f"workers = {self.spec.threads}\n",
        )
        config.write_text(text, encoding="utf-8")

    def start_workers(self) -> None:
        if self.pool is None:
            self.pool = WorkerPool(
                self.config_path,
                self.spec.workdir / "logs",
                processes=self.spec.workers,
                threads=self.spec.threads,
            )
            self.pool.start()

    def stop(self) -> None:
        try:
            if self.pool is not None:
                self.pool.stop()
        finally:
            try:
                super().stop()
            finally:
                self.gate.stop()

    def extra_result(self) -> dict[str, Any]:
        """What a kind of stack adds to the rehearsal's result (the hosts' share of the work, say)."""
        return {}


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise RuntimeError(
            f"the demo's configuration no longer has {old.strip()!r}: the rehearsal cannot set it"
        )
    return text.replace(old, new, 1)
