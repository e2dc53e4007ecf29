"""`shopbridge demo` ends with the daily reconciliation of the day it traded (issue 12's checkpoints).

The demo's day is clean except for what it does on purpose to show the cut-off: one order despatched
in the ERP, then edited in Shopify after the cut-off (a person must carry that edit to the ERP). The
reconciliation must find exactly that order, as the orders checkpoint (totals differ) and, where the
edit took units away, the fulfilments checkpoint (its despatch cannot be fulfilled) and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_demo import run_demo

pytestmark = pytest.mark.slow

CHECKPOINTS = {"orders", "refunds", "fulfilments", "payouts", "tax", "stock"}


@pytest.mark.parametrize("erp", ["sage200"])
def test_the_demo_day_reconciles_and_finds_only_the_order_edited_after_the_cutoff(
    tmp_path: Path, erp: str
) -> None:
    result = run_demo(tmp_path, "--erp", erp, "--orders", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    reconciliation, changes = report["reconciliation"], report["changes"]
    assert reconciliation["agrees"] is True  # the intake reconciliation's keys are kept alongside
    assert set(reconciliation["checkpoints"]) == CHECKPOINTS
    mismatched = {m["checkpoint"] for m in reconciliation["mismatches"]}
    assert {name for name, v in reconciliation["checkpoints"].items() if v != "pass"} == mismatched
    assert mismatched <= {"orders", "fulfilments"}
    assert {m["order"] for m in reconciliation["mismatches"]} <= set(changes["edited_after_cutoff"])
    owners = {"orders": "finance", "fulfilments": "operations"}
    expected: dict[str, int] = {}
    for m in reconciliation["mismatches"]:
        expected[owners[m["checkpoint"]]] = expected.get(owners[m["checkpoint"]], 0) + 1
    assert reconciliation["problems_by_owner"] == expected
