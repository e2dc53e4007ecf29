"""A simulated ERP's concurrency limit, and the truth about its load, counted by the sandbox itself.

Real ERP gateways take only so many requests at once (Sage 200's: about 10) and refuse the rest
with ``429``. :class:`ConcurrencyGate` plays that part and keeps the numbers a benchmark needs
without trusting the client: requests in flight now, the peak, requests refused, and the busy time
integrated over time (slot-seconds), so that

    occupancy = busy_slot_seconds / (limit * wall_seconds)

comes from the sandbox's own state. ``limit = 0`` admits everything (and still counts).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ConcurrencyGate", "ConcurrencyStats"]


@dataclass(frozen=True)
class ConcurrencyStats:
    """What the gate saw since its last reset."""

    limit: int
    in_flight: int
    peak_in_flight: int
    admitted: int
    refused: int
    busy_slot_seconds: float
    wall_seconds: float

    @property
    def occupancy(self) -> float | None:
        """Busy slot-seconds over what ``limit`` slots could have given; ``None`` when unlimited."""
        if self.limit <= 0 or self.wall_seconds <= 0:
            return None
        return self.busy_slot_seconds / (self.limit * self.wall_seconds)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "occupancy": self.occupancy}


class ConcurrencyGate:
    """Admit at most ``limit`` requests at once (0: none) and count in flight, peak, refusals, busy time."""

    def __init__(self, limit: int = 0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.limit = 0
        self._in_flight = 0
        self.set_limit(limit)
        self.reset()

    def set_limit(self, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"a concurrency limit is 0 (none) or more, not {limit}")
        with self._lock:
            self.limit = limit

    def reset(self) -> None:
        """Zero the counters (requests in flight stay in flight, and are counted as such)."""
        with self._lock:
            now = self._clock()
            self._peak = self._in_flight
            self._admitted = 0
            self._refused = 0
            self._busy = 0.0
            self._since = now
            self._last = now

    def enter(self) -> bool:
        """Admit one request (``True``) or refuse it for being over the limit (``False``)."""
        with self._lock:
            if self.limit and self._in_flight >= self.limit:
                self._refused += 1
                return False
            self._advance()
            self._in_flight += 1
            self._admitted += 1
            self._peak = max(self._peak, self._in_flight)
            return True

    def leave(self) -> None:
        """One admitted request has been answered."""
        with self._lock:
            self._advance()
            self._in_flight -= 1

    def stats(self) -> ConcurrencyStats:
        with self._lock:
            self._advance()
            return ConcurrencyStats(
                limit=self.limit,
                in_flight=self._in_flight,
                peak_in_flight=self._peak,
                admitted=self._admitted,
                refused=self._refused,
                busy_slot_seconds=self._busy,
                wall_seconds=self._last - self._since,
            )

    def _advance(self) -> None:
        # Integrate in-flight over time up to now; called under the lock before every change.
        now = self._clock()
        self._busy += self._in_flight * (now - self._last)
        self._last = now
