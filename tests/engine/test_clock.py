"""The fake clock moves only when told, and only with aware times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shopbridge.engine.clock import FakeClock, SystemClock


def test_the_fake_clock_moves_only_when_advanced() -> None:
    clock = FakeClock(datetime(2026, 5, 1, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 5, 1, tzinfo=UTC)
    assert clock.advance(90) == datetime(2026, 5, 1, 0, 1, 30, tzinfo=UTC)


def test_the_fake_clock_reports_utc_whatever_zone_it_was_given() -> None:
    clock = FakeClock(datetime(2026, 5, 1, 2, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 5, 1, tzinfo=UTC) and clock.now().tzinfo == UTC


@pytest.mark.parametrize("action", ["start", "set"])
def test_the_fake_clock_refuses_naive_times(action: str) -> None:
    naive = datetime(2026, 5, 1)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(naive) if action == "start" else FakeClock().set(naive)


def test_the_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo == UTC
