"""The cost budget: how long to wait before a call, and how answers correct the model."""

from __future__ import annotations

import threading

import pytest

from shopbridge.connectors.shopify.pacing import BudgetRegistry, CostBudget, ThrottleStatus, throttle_wait


def status(
    requested: float, available: float, *, actual: float | None = None, maximum: float = 1000
) -> ThrottleStatus:
    return ThrottleStatus(requested, actual, maximum, available, 50.0)


@pytest.mark.parametrize(
    ("requested", "available", "rate", "wait"),
    [
        (100, 0, 50, 2.0),
        (100, 50, 50, 1.0),
        (100, 100, 50, 0.0),
        (100, 400, 50, 0.0),
        (10, 4, 100, 0.06),
    ],
)
def test_throttle_wait_is_missing_points_over_restore_rate(
    requested: float, available: float, rate: float, wait: float
) -> None:
    assert throttle_wait(requested, available, rate) == pytest.approx(wait)


@pytest.mark.parametrize(
    ("level", "cost", "wait"),
    [
        (100.0, 10.0, 0.0),  # fits: send now
        (10.0, 10.0, 0.0),  # exactly fits
        (5.0, 10.0, 0.1),  # 5 points short at 50/s
        (0.0, 100.0, 2.0),
        (-50.0, 10.0, 1.2),  # others queued ahead: their debt is paid first
    ],
)
def test_reserve_waits_until_the_cost_fits(level: float, cost: float, wait: float) -> None:
    budget = CostBudget(restore_rate=50, maximum=1000)
    budget.settle(0, status(0, level), now=0.0)
    assert budget.reserve(cost, now=0.0) == pytest.approx(wait)


def test_queued_callers_wait_in_arrival_order() -> None:
    budget = CostBudget(restore_rate=50, maximum=100)
    budget.settle(0, status(0, 0), now=0.0)
    waits = [budget.reserve(10, now=0.0) for _ in range(3)]
    assert waits == pytest.approx([0.2, 0.4, 0.6])


def test_level_refills_at_the_restore_rate_up_to_the_maximum() -> None:
    budget = CostBudget(restore_rate=50, maximum=100)
    budget.settle(0, status(0, 0, maximum=100), now=0.0)
    assert budget.available(now=1.0) == pytest.approx(50)
    assert budget.available(now=10.0) == pytest.approx(100)


def test_settle_refunds_the_difference_between_reserved_and_actual() -> None:
    budget = CostBudget(restore_rate=50, maximum=1000)
    budget.settle(0, status(0, 1000), now=0.0)
    budget.reserve(100, now=0.0)
    budget.settle(100, status(100, 990, actual=10), now=0.0)
    assert budget.available(now=0.0) == pytest.approx(990)


def test_settle_adopts_a_lower_level_reported_by_shopify() -> None:
    budget = CostBudget(restore_rate=50, maximum=1000)
    budget.reserve(10, now=0.0)
    budget.settle(10, status(10, 300, actual=10), now=0.0)  # another process spent the rest
    assert budget.available(now=0.0) == pytest.approx(300)


def test_settle_learns_bucket_size_and_restore_rate() -> None:
    budget = CostBudget(restore_rate=100)
    budget.settle(0, ThrottleStatus(10, 10, 2000, 1990, 200), now=0.0)
    assert (budget.maximum, budget.restore_rate) == (2000, 200)


def test_throttled_returns_shopifys_wait_and_gives_the_points_back() -> None:
    budget = CostBudget(restore_rate=50, maximum=1000)
    budget.reserve(100, now=0.0)
    wait = budget.throttled(100, status(100, 20), now=0.0)
    assert wait == pytest.approx(1.6)
    assert budget.reserve(100, now=wait) == pytest.approx(0.0)


def test_budget_is_never_overdrawn_by_concurrent_reservations() -> None:
    budget = CostBudget(restore_rate=50, maximum=100)
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = budget.reserve(10, now=0.0)
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.0] * 10 + [0.2 * n for n in range(1, 11)])


def test_registry_gives_every_caller_of_a_shop_the_same_budget() -> None:
    registry = BudgetRegistry()
    first = registry.for_shop("a.myshopify.com", restore_rate=100)
    assert registry.for_shop("a.myshopify.com", restore_rate=100) is first
    assert registry.for_shop("b.myshopify.com", restore_rate=100) is not first


def test_throttle_status_is_read_from_the_extensions() -> None:
    extensions = {
        "cost": {
            "requestedQueryCost": 33,
            "actualQueryCost": 20,
            "throttleStatus": {"maximumAvailable": 2000, "currentlyAvailable": 1980, "restoreRate": 100},
        }
    }
    assert ThrottleStatus.from_extensions(extensions) == ThrottleStatus(33, 20, 2000, 1980, 100)
    assert ThrottleStatus.from_extensions({}) is None
