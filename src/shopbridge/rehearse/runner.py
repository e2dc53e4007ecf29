"""A rehearsal from start to verdict: the stack, the demo's day with the scenario's peak in it, the
drain, the ground truth, and the figures.

The demo's phases (``DemoDay``) run unchanged on a :class:`RehearsalStack`; the peak goes in after
the day's trade (the workers are running by then), and month end's refunds after the demo's own.
Everything the verdict says is read from the sandboxes (see :mod:`shopbridge.rehearse.truth`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shopbridge import admin
from shopbridge.demo.day import DemoDay
from shopbridge.rehearse import metrics
from shopbridge.rehearse.month_end import month_end
from shopbridge.rehearse.peak import Peak, extend_catalogue
from shopbridge.rehearse.sampler import Sampler
from shopbridge.rehearse.scenario import Scenario
from shopbridge.rehearse.stack import RehearsalStack, StackSpec
from shopbridge.rehearse.truth import Finding, check_ground_truth

__all__ = ["Rehearsal", "RehearsalState"]


@dataclass
class RehearsalState:
    """What the live display shows; the runner updates it as it goes."""

    phase: str = "starting"
    orders_placed: int = 0
    orders_total: int = 0
    sampler: Sampler | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


class Rehearsal:
    def __init__(
        self,
        scenario: Scenario,
        spec: StackSpec,
        stack: Callable[[Scenario, StackSpec], RehearsalStack] = RehearsalStack,
    ) -> None:
        self.scenario, self.spec = scenario, spec
        self.make_stack = stack  # how the stack is made (on other hosts: ``rehearse.hosts_stack``)
        self.state = RehearsalState(orders_total=scenario.trade.orders)
        self.phases: dict[str, tuple[float, float]] = {}

    def run(self) -> dict[str, Any]:
        """Run the scenario; the result (figures, findings) as ``rehearsal.json`` holds it."""
        stack = self.make_stack(self.scenario, self.spec)
        try:  # not ``with``: a start cut short (Ctrl-C while Tryton starts) must stop what it started too
            stack.start()
            sampler = Sampler(stack)
            self.state.sampler = sampler
            sampler.start()
            try:
                return self._run(stack, sampler)
            finally:
                sampler.stop()
        finally:
            stack.stop()

    def _run(self, stack: RehearsalStack, sampler: Sampler) -> dict[str, Any]:
        trade = self.scenario.trade
        day = DemoDay(stack, stack.options)
        skus = self._timed("catalogue size", sampler, lambda: extend_catalogue(stack, trade.catalogue_size))
        peak = Peak(stack, self.scenario, skus, sampler.now)
        self.state.events = peak.events
        drained = True
        extra: dict[str, Any] = {}  # month end's cases, and the dead jobs (why a finding happened)
        for phase in DemoDay.PHASES:
            self._timed(phase, sampler, getattr(day, phase))
            if phase == "redeliver":  # after the day's own edits: those never pick a peak order
                drained = self._peak(stack, sampler, day, peak)
            if phase == "refund" and (trade.refunds or trade.chargebacks):
                extra["month_end"] = self._timed(
                    "month end",
                    sampler,
                    lambda: month_end(
                        stack,
                        day.refunds,
                        peak.names,
                        count=trade.refunds,
                        chargebacks=trade.chargebacks,
                        seed=self.scenario.seed,
                    ),
                )
        self.state.phase = "checking"
        data = day.report().to_json()
        findings = check_ground_truth(data, [o.reference for o in stack.erp.orders()])
        findings += self._run_findings(stack, drained)
        extra["dead_jobs"] = dead_jobs(stack)
        time.sleep(0.6)  # one more sample after the last phase
        result = metrics.result(
            self.scenario, self.spec, stack, sampler, peak, self.phases, data, findings, extra
        )
        return result | stack.extra_result()

    def _peak(self, stack: RehearsalStack, sampler: Sampler, day: DemoDay, peak: Peak) -> bool:
        """The peak with its faults, the drain, then the order sweep for the webhooks it dropped."""
        self._timed("peak", sampler, lambda: peak.run(self._placed))
        try:
            drained = bool(self._timed("drain", sampler, lambda: self._drain(stack)))
        finally:
            peak.end_faults()
        self._timed("sweep after the peak", sampler, day.sweep)
        day.reconcile_sweep()
        return drained

    def _drain(self, stack: RehearsalStack) -> bool:
        stack.emitter().flush(timeout=min(120.0, self.scenario.drain_timeout_seconds))
        return stack.wait_until_idle(timeout=self.scenario.drain_timeout_seconds)

    def _run_findings(self, stack: RehearsalStack, drained: bool) -> list[Finding]:
        found = []
        if not drained:
            found.append(
                Finding("drain", f"the queue did not drain within {self.scenario.drain_timeout_seconds:g} s")
            )
        died = stack.pool.died() if stack.pool is not None else []
        if died:
            found.append(
                Finding("workers", "worker processes exited by themselves", [f"pid {p}" for p in died])
            )
        return found

    def _placed(self, n: int) -> None:
        self.state.orders_placed = n

    def _timed(self, name: str, sampler: Sampler, action: Callable[[], Any]) -> Any:
        self.state.phase = name
        began = _mark(sampler)
        try:
            return action()
        finally:
            self.phases[name] = (began, _mark(sampler))


def _mark(sampler: Sampler) -> float:
    """A sample now, so a phase's counters are read at its very start and end; returns its time."""
    try:
        sample = sampler.take()
    except Exception:  # the figures lose a boundary, the rehearsal goes on
        return sampler.now()
    sampler.samples.append(sample)
    return sample.at


def dead_jobs(stack: RehearsalStack) -> list[dict[str, str]]:
    """The jobs that gave up (their last error says why an order was lost, say); the first 50."""
    assert stack.services is not None
    return [
        {"kind": job.kind, "entity": job.entity_key or "", "error": job.last_error[:300]}
        for job in admin.list_jobs(stack.services, state="dead", limit=50)
    ]
