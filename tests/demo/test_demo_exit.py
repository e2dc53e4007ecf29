"""The demo's exit code follows the reconciliation: a failing checkpoint is a disagreement."""

from __future__ import annotations

from typing import Any

from shopbridge.demo.day import disagreements


def _day(checkpoints: dict[str, str], mismatches: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "reconciliation": {
            "agrees": True,
            "missing_after_sweep": [],
            "checkpoints": checkpoints,
            "mismatches": mismatches,
        },
        "orders": {"in_erp_exactly_once": 3, "qualifying": 3, "duplicates_in_erp": 0, "totals_differ": 0},
    }


def test_a_day_whose_checkpoints_pass_or_cannot_be_checked_agrees() -> None:
    assert disagreements(_day({"orders": "pass", "tax": "not_checkable"}, [])) == []


def test_a_failing_checkpoint_is_named_with_its_mismatches() -> None:
    tax = {"checkpoint": "tax", "key": "tax:GB:0.2", "message": "tax at GB 20.0%: Shopify 458.30, ERP 455.80"}
    other = {"checkpoint": "orders", "key": "order:#1", "message": "not this one"}
    found = disagreements(_day({"orders": "pass", "tax": "fail"}, [tax, other]))
    assert found == ["reconciliation tax fails: tax at GB 20.0%: Shopify 458.30, ERP 455.80"]
