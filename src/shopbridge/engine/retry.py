"""The retry policy: how long a failed job waits before its next attempt.

For the attempt that just failed (1 for the first attempt)::

    raw(attempt)   = min(cap, base * factor ** (attempt - 1))
    delay(attempt) = min(cap, raw(attempt) * (1 + uniform(-jitter, +jitter)))
    delay          = max(delay, retry_after)      # when the error said how long to wait

With the defaults (base 5 s, factor 2, cap 1 h, jitter 0.2, 10 attempts) the waits are about
5, 10, 20, 40, 80, 160, 320, 640, 1280 s, then the job is dead-lettered. Jitter spreads retries of
many jobs that failed together (an ERP restart) so they do not return as one wave.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from shopbridge.config.model import RetrySettings

__all__ = ["RetryPolicy"]

Uniform = Callable[[float, float], float]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential, jittered, capped backoff; a value object with no state of its own."""

    base: float = 5.0
    factor: float = 2.0
    cap: float = 3600.0
    jitter: float = 0.2
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap <= 0 or self.factor < 1:
            raise ValueError("RetryPolicy needs base > 0, cap > 0 and factor >= 1")
        if not 0 <= self.jitter <= 1 or self.max_attempts < 1:
            raise ValueError("RetryPolicy needs 0 <= jitter <= 1 and max_attempts >= 1")

    @classmethod
    def from_settings(cls, settings: RetrySettings) -> RetryPolicy:
        """The policy configured under ``[engine.retry]``."""
        return cls(
            base=settings.base_seconds,
            factor=settings.factor,
            cap=settings.cap_seconds,
            jitter=settings.jitter,
            max_attempts=settings.max_attempts,
        )

    def delay(
        self, attempt: int, *, retry_after: float | None = None, uniform: Uniform | None = None
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (see the module formula).

        ``uniform`` is the random source (``random.uniform`` by default); tests pass a seeded one.
        """
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        draw = uniform or random.uniform
        raw = self._raw(attempt)
        spread = draw(-self.jitter, self.jitter) if self.jitter else 0.0
        delay = min(self.cap, raw * (1 + spread))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    def _raw(self, attempt: int) -> float:
        try:
            return min(self.cap, self.base * self.factor ** (attempt - 1))
        except OverflowError:  # a huge attempt number: the cap applies long before
            return self.cap

    def exhausted(self, attempts: int, max_attempts: int | None = None) -> bool:
        """True when ``attempts`` made so far leave no attempt (the job's own limit wins)."""
        return attempts >= (max_attempts if max_attempts is not None else self.max_attempts)
