"""The stock push's share of the Shopify budget is judged only when the push was budget-bound.

A stock phase that pushed less than one full bucket and was never THROTTLED had little to send: its
share is low because there was little to push, and the report says "unsaturated" instead of
measuring it against the goal of 0.95.
"""

from __future__ import annotations

from shopbridge.rehearse.metrics import stock_push_saturation
from shopbridge.rehearse.sampler import Sample
from shopbridge.rehearse.scenario import Scenario


def sample(at: float, points: int, throttled: int = 0) -> Sample:
    return Sample(at, 0, 0, 0.0, {}, points, throttled, 0.0)


STANDARD = Scenario.model_validate({"name": "t", "shopify": {"plan": "standard"}})


def test_a_push_within_one_bucket_and_never_throttled_is_unsaturated() -> None:
    found = stock_push_saturation(STANDARD, [sample(0, 0), sample(10, 150)], 0, 10)
    assert found["stock_push_saturated"] is False
    assert found["stock_push_budget_verdict"].startswith("unsaturated: 150 points pushed")
    assert "applies only when saturated" in found["stock_push_budget_verdict"]


def test_a_throttled_push_is_saturated_and_measured_against_the_goal() -> None:
    found = stock_push_saturation(STANDARD, [sample(0, 0), sample(10, 1000, throttled=3)], 0, 10)
    assert found["stock_push_saturated"] is True
    assert (
        found["stock_push_budget_verdict"] == "saturated: 0.33 of the budget used, short of the goal of 0.95"
    )


def test_a_push_spending_beyond_the_bucket_at_the_restore_rate_meets_the_goal() -> None:
    # 2,000 in the bucket + 100/s x 10 s = 3,000 points the plan could give; 2,900 spent.
    found = stock_push_saturation(STANDARD, [sample(0, 0), sample(10, 2900)], 0, 10)
    assert found["stock_push_saturated"] is True
    assert found["stock_push_budget_verdict"] == "saturated: 0.97 of the budget used, goal 0.95 met"
