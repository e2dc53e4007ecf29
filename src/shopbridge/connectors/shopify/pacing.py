"""Cost-aware pacing of Shopify GraphQL calls: one budget per shop, shared by every worker thread.

Shopify meters each app+store pair with a leaky bucket of *cost points* (``maximumAvailable``,
refilled at ``restoreRate`` points per second). A query's requested cost is charged up front and the
difference to its actual cost refunded. :class:`CostBudget` is our model of that bucket:

* before a call, :meth:`CostBudget.reserve` takes the estimated cost out of the model and returns how
  long to wait first; the model may go negative, which queues later callers behind earlier ones
  (the GCRA idea: a debt is paid back by the restore rate, in arrival order);
* after a call, :meth:`CostBudget.settle` refunds ``requested - actual`` and lowers the model to
  Shopify's own ``currentlyAvailable`` when Shopify knows of spending we do not (another process).

**Why one pacing point, not a bucket row in the store.** All worker threads of a process that talk to
one shop share one :class:`CostBudget`: ``bootstrap.Services.shopify(shop)`` builds one client per
shop per process and every worker thread uses it (code that builds several clients for one shop
passes them the same budget, e.g. from a :class:`BudgetRegistry`). So within a process the bucket is
never over-drawn and no call waits on a database round trip (a row updated per call would add a
write per Shopify call and a hot row under contention, for a limit Shopify already reports exactly
in every response). Across processes the budgets do not talk to each other, but each response's
``throttleStatus`` is Shopify's own view of the shared bucket: :meth:`CostBudget.settle` adopts it
whenever it is lower, so each process converges on the real level after one call, and the rare
overshoot is a THROTTLED answer that the client waits out and retries (flows never see it; the test
``test_clients_with_separate_budgets_meet_throttled_and_never_surface_it`` shows it). The price is a
little wasted budget with several processes, not errors.

Pure except for the lock: time is passed in (seconds on a monotonic scale), nothing sleeps here.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BudgetRegistry", "CostBudget", "ThrottleStatus", "throttle_wait"]


@dataclass(frozen=True)
class ThrottleStatus:
    """``extensions.cost`` of one response."""

    requested: float
    actual: float | None
    maximum: float
    available: float
    restore_rate: float

    @classmethod
    def from_extensions(cls, extensions: Mapping[str, Any] | None) -> ThrottleStatus | None:
        cost = (extensions or {}).get("cost")
        if not isinstance(cost, Mapping) or not isinstance(cost.get("throttleStatus"), Mapping):
            return None
        status = cost["throttleStatus"]
        actual = cost.get("actualQueryCost")
        return cls(
            requested=float(cost.get("requestedQueryCost") or 0),
            actual=None if actual is None else float(actual),
            maximum=float(status["maximumAvailable"]),
            available=float(status["currentlyAvailable"]),
            restore_rate=float(status["restoreRate"]),
        )


def throttle_wait(requested: float, available: float, restore_rate: float) -> float:
    """Shopify's advice after THROTTLED: ``(requested - currentlyAvailable) / restoreRate`` seconds."""
    if restore_rate <= 0:
        raise ValueError("restore rate must be positive")
    return max(0.0, (requested - available) / restore_rate)


class CostBudget:
    """A model of one shop's cost bucket. Thread-safe; share one per shop per process."""

    def __init__(self, *, restore_rate: float, maximum: float | None = None) -> None:
        # Until the first response tells us the bucket size, assume a bucket of 10 s of restore: small
        # enough that a cold start cannot overshoot by much, large enough not to stall the first calls.
        self._rate = restore_rate
        self._maximum = maximum if maximum is not None else restore_rate * 10
        self._available = self._maximum
        self._stamp: float | None = None
        self._estimates: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def restore_rate(self) -> float:
        return self._rate

    @property
    def maximum(self) -> float:
        return self._maximum

    def estimate(self, document: str, default: float) -> float:
        """The cost to reserve for ``document``: its last requested cost, ``default`` until known."""
        with self._lock:
            return self._estimates.get(document, default)

    def learn(self, document: str, requested: float) -> None:
        with self._lock:
            self._estimates[document] = requested

    def available(self, now: float) -> float:
        """The modelled level at ``now`` (negative while callers queue)."""
        with self._lock:
            return self._level(now)

    def reserve(self, cost: float, now: float) -> float:
        """Take ``cost`` from the bucket; return the seconds to wait before sending (0 = send now)."""
        with self._lock:
            level = self._level(now) - cost
            self._available, self._stamp = level, now
            return 0.0 if level >= 0 else -level / self._rate

    def settle(self, reserved: float, status: ThrottleStatus | None, now: float) -> None:
        """Account for an answered call that had reserved ``reserved`` points."""
        with self._lock:
            level = self._level(now)
            if status is None:
                self._available, self._stamp = level, now
                return
            self._rate, self._maximum = status.restore_rate, status.maximum
            charged = status.actual if status.actual is not None else status.requested
            level += reserved - charged
            self._available = min(level, status.available, self._maximum)
            self._stamp = now

    def throttled(self, reserved: float, status: ThrottleStatus | None, now: float) -> float:
        """A call was refused (nothing charged): give back its points and return Shopify's wait."""
        with self._lock:
            level = self._level(now) + reserved
            if status is None:
                self._available, self._stamp = min(level, 0.0), now
                return reserved / self._rate
            self._rate, self._maximum = status.restore_rate, status.maximum
            self._available, self._stamp = min(level, status.available), now
            return throttle_wait(status.requested, status.available, status.restore_rate)

    def _level(self, now: float) -> float:
        if self._stamp is None:
            return self._available
        elapsed = max(0.0, now - self._stamp)
        return min(self._maximum, self._available + elapsed * self._rate)


class BudgetRegistry:
    """One :class:`CostBudget` per shop domain, created on first use (bootstrap holds one registry)."""

    def __init__(self) -> None:
        self._budgets: dict[str, CostBudget] = {}
        self._lock = threading.Lock()

    def for_shop(self, domain: str, *, restore_rate: float) -> CostBudget:
        with self._lock:
            if domain not in self._budgets:
                self._budgets[domain] = CostBudget(restore_rate=restore_rate)
            return self._budgets[domain]
