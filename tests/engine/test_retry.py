"""The retry policy: the documented formula, as a table."""

from __future__ import annotations

import random

import pytest

from shopbridge.config.model import RetrySettings
from shopbridge.engine.retry import RetryPolicy

POLICY = RetryPolicy(base=5, factor=2, cap=60, jitter=0.2, max_attempts=6)


def high(low: float, high: float) -> float:
    return high


def low(low: float, high: float) -> float:
    return low


def middle(low: float, high: float) -> float:
    return 0.0


@pytest.mark.parametrize(
    ("attempt", "draw", "retry_after", "expected"),
    [
        (1, middle, None, 5.0),
        (2, middle, None, 10.0),
        (3, middle, None, 20.0),
        (4, middle, None, 40.0),
        (5, middle, None, 60.0),  # 80 capped
        (1, high, None, 6.0),
        (3, low, None, 16.0),
        (4, high, None, 48.0),
        (5, high, None, 60.0),  # jitter never pushes past the cap
        (5, low, None, 48.0),  # capped first, then jittered down
        (1, middle, 30.0, 30.0),  # the remote side asked for longer
        (3, middle, 1.0, 20.0),  # ... or for less: the policy's delay stands
        (5000, middle, None, 60.0),  # no overflow on absurd attempt numbers
    ],
)
def test_delay_follows_the_documented_formula(
    attempt: int, draw: object, retry_after: float | None, expected: float
) -> None:
    assert POLICY.delay(attempt, retry_after=retry_after, uniform=draw) == pytest.approx(expected)  # type: ignore[arg-type]


def test_seeded_jitter_stays_within_its_band_and_repeats() -> None:
    first = [POLICY.delay(n, uniform=random.Random(7).uniform) for n in range(1, 7)]
    again = [POLICY.delay(n, uniform=random.Random(7).uniform) for n in range(1, 7)]
    assert first == again
    for attempt, delay in enumerate(first, start=1):
        raw = min(60.0, 5.0 * 2 ** (attempt - 1))
        assert raw * 0.8 <= delay <= min(60.0, raw * 1.2)


@pytest.mark.parametrize(
    ("attempts", "job_limit", "exhausted"),
    [(5, None, False), (6, None, True), (2, 2, True), (2, 3, False)],
)
def test_exhausted_uses_the_jobs_own_limit_first(
    attempts: int, job_limit: int | None, exhausted: bool
) -> None:
    assert POLICY.exhausted(attempts, job_limit) is exhausted


def test_from_settings_copies_every_field() -> None:
    settings = RetrySettings(base_seconds=1, factor=3, cap_seconds=9, jitter=0, max_attempts=4)
    assert RetryPolicy.from_settings(settings) == RetryPolicy(
        base=1, factor=3, cap=9, jitter=0, max_attempts=4
    )


@pytest.mark.parametrize("kwargs", [{"base": 0}, {"factor": 0.5}, {"jitter": 1.5}, {"max_attempts": 0}])
def test_an_impossible_policy_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        POLICY.delay(0)
