"""The stock audit's pure rules: what is drift, which drifts are the worst, what operations are told."""

from __future__ import annotations

import pytest

from shopbridge.domain.problems import ProblemKind, Team
from shopbridge.domain.stock_audit import (
    AuditReport,
    Drift,
    ExpectedLevel,
    ShopifyLevel,
    audit_problem,
    drifts,
)

LOC = "gid://shopify/Location/1"


def item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{n}"


@pytest.mark.parametrize(
    ("shopify", "expected", "found"),
    [
        pytest.param(5, 5, [], id="agrees"),
        pytest.param(7, 5, [(7, 5, 2)], id="more in Shopify"),
        pytest.param(0, 5, [(0, 5, -5)], id="less in Shopify"),
        pytest.param(-2, 0, [(-2, 0, -2)], id="oversold below zero"),
        pytest.param(3, None, [], id="never pushed: not drift"),
    ],
)
def test_drift_is_a_level_that_differs_from_its_snapshot(
    shopify: int, expected: int | None, found: list[tuple[int, int, int]]
) -> None:
    snapshots = {} if expected is None else {(LOC, item(1)): ExpectedLevel(expected, "TEE-M")}
    result = drifts([ShopifyLevel(LOC, item(1), shopify)], snapshots)
    assert [(d.shopify, d.expected, d.difference) for d in result] == found
    assert all(d.sku == "TEE-M" for d in result)


def test_the_same_item_at_another_location_is_a_different_level() -> None:
    snapshots = {(LOC, item(1)): ExpectedLevel(4)}
    other = ShopifyLevel("gid://shopify/Location/2", item(1), 9)
    assert drifts([other], snapshots) == []


def test_the_report_keeps_only_the_worst_drifts_largest_first() -> None:
    report = AuditReport(shop="uk", worst_limit=3)
    report.add_drifts(Drift(LOC, item(n), f"SKU-{n}", n * (-1) ** n, 0) for n in range(1, 8))
    assert report.drift_count == 7
    assert [d.sku for d in report.worst] == ["SKU-7", "SKU-6", "SKU-5"]
    assert [d.difference for d in report.worst] == [-7, 6, -5]


def test_no_drift_raises_no_problem() -> None:
    report = AuditReport(shop="uk")
    report.add_read(10, 10)
    assert audit_problem(report) is None


def test_drift_is_one_problem_for_operations_per_shop_with_the_worst_skus() -> None:
    report = AuditReport(shop="uk")
    report.add_read(100, 90)
    report.add_drifts([Drift(LOC, item(1), "TEE-M", 12, 2), Drift(LOC, item(2), "MUG-01", 0, 1)])
    report.repaired = 2
    problem = audit_problem(report)
    assert problem is not None
    assert (problem.kind, problem.owner, problem.entity_id, problem.shop) == (
        ProblemKind.STOCK_MISMATCH,
        Team.OPERATIONS,
        "uk",
        "uk",
    )
    assert "2 level(s)" in problem.message
    assert "TEE-M (+10)" in problem.message and "MUG-01 (-1)" in problem.message
    assert problem.details["drift"] == 2
    assert problem.dedup_key == "stock_mismatch:uk:stock_audit:uk"
