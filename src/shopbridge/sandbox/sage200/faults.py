"""Injected faults: latency, failing statuses for the next N requests, timeouts (a hung answer)."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class FaultPlan:
    latency_seconds: float = 0.0
    fail_status: int = 0
    fail_times: int = 0
    hang_times: int = 0
    hang_seconds: float = 5.0
    retry_after: str = "1"


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.plan = FaultPlan()

    def fail_next(self, status: int, times: int = 1) -> None:
        with self._lock:
            self.plan.fail_status, self.plan.fail_times = status, times

    def hang_next(self, times: int = 1, seconds: float = 5.0) -> None:
        with self._lock:
            self.plan.hang_times, self.plan.hang_seconds = times, seconds

    def set_latency(self, seconds: float) -> None:
        with self._lock:
            self.plan.latency_seconds = seconds

    def clear(self) -> None:
        with self._lock:
            self.plan = FaultPlan()

    def take(self) -> tuple[float, float, int]:
        """For one request: (latency, hang seconds or 0, failing status or 0); consumes one use."""
        with self._lock:
            hang = 0.0
            if self.plan.hang_times > 0:
                self.plan.hang_times -= 1
                hang = self.plan.hang_seconds
            status = 0
            if self.plan.fail_times > 0:
                self.plan.fail_times -= 1
                status = self.plan.fail_status
            return self.plan.latency_seconds, hang, status
