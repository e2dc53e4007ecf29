"""Fault settings for the sandbox: latency, server errors, throttle answer mode."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """What misbehaviour the sandbox adds to each GraphQL request (all off by default)."""

    latency_ms: int = 0
    error_rate: float = 0.0  # fraction of requests answered with a 5xx before doing anything
    error_status: int = 503
    throttle_as_429: bool = False  # answer THROTTLED with HTTP 429 instead of Shopify's usual 200
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.reseed(self.seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)

    def should_fail(self) -> bool:
        """Draw once: does this request get a server error?"""
        if self.error_rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.error_rate

    def update(self, values: dict[str, object]) -> None:
        """Apply the known keys of a control-API body; unknown keys raise ValueError."""
        allowed = {"latency_ms": int, "error_rate": float, "error_status": int, "throttle_as_429": bool}
        for key, value in values.items():
            if key == "seed":
                self.reseed(None if value is None else int(str(value)))
                continue
            if key not in allowed:
                raise ValueError(f"unknown fault setting {key!r}; known: {sorted([*allowed, 'seed'])}")
            setattr(self, key, allowed[key](value))

    def as_dict(self) -> dict[str, object]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "throttle_as_429": self.throttle_as_429,
            "seed": self.seed,
        }
