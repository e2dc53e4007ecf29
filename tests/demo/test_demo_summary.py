"""`shopbridge demo` closes with a summary of the day, and every figure it prints is report.json's:
orders posted, fulfilments sent, credit notes, payout entries balanced, open problems by owner and
the reconciliation's verdicts (each section of report.json was read back from the sandboxes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from demo_days import EVERY_ERP, DemoDay

pytestmark = pytest.mark.slow


def expected_lines(report: dict[str, Any]) -> list[str]:
    """The summary's lines, worked out here from report.json's sections (not from its summary)."""
    orders, fulfilments, refunds, payouts = (
        report[k] for k in ("orders", "fulfilments", "refunds", "payouts")
    )
    lines = [
        f"orders posted to the ERP {orders['in_erp_exactly_once']} of {orders['qualifying']} qualifying",
        f"fulfilments sent to Shopify {fulfilments['fulfilled_in_shopify']} of"
        f" {fulfilments['dispatches_in_erp']} dispatches",
        f"credit notes in the ERP {refunds['credit_notes_in_erp']} ({refunds['credited_exactly_once']} of"
        f" {refunds['expected']} refunds credited once)",
        f"payout entries balanced {payouts['balanced']} of {payouts['paid']} paid",
    ]
    owners: Counter[str] = Counter()
    for row in report["status"]["problems"]:
        owners[row["team"]] += row["count"]
    lines += [f"open problems: {team} {count}" for team, count in sorted(owners.items())]
    checkpoints = report["reconciliation"]["checkpoints"]
    lines += [f"reconciliation: {name} {verdict}" for name, verdict in checkpoints.items()]
    passed = all(v == "pass" for v in checkpoints.values())
    return [*lines, f"reconciliation {'PASS' if passed else 'FAIL'}"]


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_the_closing_summary_prints_report_json_s_figures(day_of: Callable[[str], DemoDay], erp: str) -> None:
    day = day_of(erp)
    closing = day.output.split("Closing summary", 1)[1]
    for line in expected_lines(day.report):
        assert line in closing, (line, closing)
    assert "## Closing summary" in day.markdown
    assert set(day.report["reconciliation"]["checkpoints"]) == {
        "orders",
        "refunds",
        "fulfilments",
        "payouts",
        "tax",
        "stock",
    }


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_report_json_keeps_its_sections_and_adds_the_summary(
    day_of: Callable[[str], DemoDay], erp: str
) -> None:
    report = day_of(erp).report
    sections = {"trading", "webhooks", "reconciliation", "erp", "orders", "changes", "payouts"}
    sections |= {"fulfilments", "refunds", "stock", "status", "counters", "dashboard", "catalogue"}
    assert sections | {"summary"} <= set(report)
    summary = report["summary"]
    assert summary["orders_posted"] == report["orders"]["in_erp_exactly_once"]
    assert summary["credit_notes"] == report["refunds"]["credit_notes_in_erp"]
    assert summary["reconciliation"] == report["reconciliation"]["checkpoints"]
