"""The ground-truth checker names what was lost, doubled or left unbalanced (planted here)."""

from __future__ import annotations

from typing import Any

from shopbridge.rehearse.truth import check_ground_truth


def clean_day() -> dict[str, Any]:
    """A report's data as ``DemoReport.to_json`` gives it, with everything in agreement."""
    return {
        "orders": {"erp": "Sage 200", "missing_in_erp": [], "totals_differ_orders": []},
        "reconciliation": {
            "agrees": True,
            "missing_after_sweep": [],
            "mismatches": [{"checkpoint": "orders", "key": "order:#1050", "order": "#1050", "message": "x"}],
        },
        "changes": {"edited_after_cutoff": ["#1050"]},
        "fulfilments": {"dispatches_in_erp": 4, "fulfilled_in_shopify": 4, "duplicates": 0},
        "refunds": {
            "expected": 3,
            "credited_exactly_once": 3,
            "missing": [],
            "duplicates": 0,
            "amount_differs": 0,
        },
        "payouts": {"paid": 2, "posted": 2, "balanced": 2, "net_difference": "0.00"},
        "stock": {"drift_after_audit": 0},
    }


def test_a_clean_day_has_no_findings_and_the_deliberate_cut_off_edit_is_not_one() -> None:
    assert check_ground_truth(clean_day(), ["#1001", "#1002", "#1050"]) == []


def test_a_lost_and_a_duplicated_order_are_named() -> None:
    day = clean_day()
    day["orders"]["missing_in_erp"] = ["#1007"]
    findings = check_ground_truth(day, ["#1001", "#1002", "#1002"])
    assert [(f.check, f.entities) for f in findings] == [
        ("orders lost", ["#1007"]),
        ("orders duplicated", ["#1002"]),
    ]
    assert "#1007" in findings[0].line() and "#1002" in findings[1].line()


def test_a_refund_never_credited_and_a_payout_unbalanced_are_findings() -> None:
    day = clean_day()
    day["refunds"].update(missing=["#1003 refund 9"], credited_exactly_once=2)
    day["payouts"].update(posted=1, balanced=1, net_difference="-12.50")
    findings = check_ground_truth(day, ["#1001"])
    assert [f.check for f in findings] == ["credit notes", "payouts"]
    assert findings[0].entities == ["#1003 refund 9"] and "-12.50" in findings[1].detail


def test_a_fulfilment_twice_a_stray_mismatch_and_an_order_never_taken_in_are_findings() -> None:
    day = clean_day()
    day["fulfilments"]["duplicates"] = 1
    day["reconciliation"]["mismatches"].append({"checkpoint": "refunds", "key": "refund:5", "order": "#1009"})
    day["reconciliation"].update(agrees=False, missing_after_sweep=["#1011"])
    checks = {f.check: f.entities for f in check_ground_truth(day, [])}
    assert checks == {"intake": ["#1011"], "fulfilments": [], "reconciliation": ["refunds #1009"]}


def test_long_lists_are_cut_in_the_line_but_kept_whole() -> None:
    day = clean_day()
    day["orders"]["missing_in_erp"] = [f"#{n}" for n in range(25)]
    finding = check_ground_truth(day, [])[0]
    assert len(finding.entities) == 25 and finding.line().endswith("(+5 more)")


def test_drift_the_audit_repaired_is_not_a_finding_but_drift_it_left_is() -> None:
    day = clean_day()
    day["reconciliation"]["mismatches"].append({"checkpoint": "stock", "key": "stock:audit", "order": ""})
    assert check_ground_truth(day, []) == []
    day["stock"]["drift_after_audit"] = 2
    checks = {f.check: f.entities for f in check_ground_truth(day, [])}
    assert checks == {"reconciliation": ["stock stock:audit"], "stock": []}
