"""Samples of the queue and the limits over time, every half second, on a thread of its own.

Each sample: seconds since the start, jobs pending and running, the oldest pending job's age, jobs
done so far per kind (the throughput per flow is the difference between samples), the Shopify cost
points charged and requests throttled so far (the sandbox's bucket), and the ERP gate's busy
slot-seconds so far.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from shopbridge import admin

__all__ = ["Sample", "Sampler"]

SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class Sample:
    at: float
    pending: int
    running: int
    oldest_age: float
    done: dict[str, int]
    shopify_points: int
    shopify_throttled: int
    erp_busy_slot_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "at": round(self.at, 2),
            "pending": self.pending,
            "running": self.running,
            "oldest_age_seconds": round(self.oldest_age, 2),
            "done": self.done,
            "shopify_points": self.shopify_points,
            "shopify_throttled": self.shopify_throttled,
            "erp_busy_slot_seconds": round(self.erp_busy_slot_seconds, 3),
        }


@dataclass
class Sampler:
    stack: Any  # a RehearsalStack (typed loosely: the stack imports nothing from here)
    samples: list[Sample] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="rehearse-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def now(self) -> float:
        return time.monotonic() - self.started

    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):  # a sample missed (say the store is busy) is a gap
                self.samples.append(self.take())
            self._stop.wait(SAMPLE_SECONDS)

    def take(self) -> Sample:
        rows = admin.status(self.stack.services).queue
        pending = [r for r in rows if r.state == "pending"]
        points, throttled = self.stack.budget.read()
        return Sample(
            at=self.now(),
            pending=sum(r.count for r in pending),
            running=sum(r.count for r in rows if r.state == "running"),
            oldest_age=max((r.oldest_age_seconds or 0.0 for r in pending), default=0.0),
            done={r.kind: r.count for r in rows if r.state == "done"},
            shopify_points=points,
            shopify_throttled=throttled,
            erp_busy_slot_seconds=self.stack.gate.stats.busy_slot_seconds,
        )
