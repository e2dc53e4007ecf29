"""`shopbridge demo` end to end: a real process, real HTTP between shopbridge and the sandboxes.

The per-ERP days are run once for the session (``conftest.day_of``); the tests here that need other
options (every webhook lost, the same seed twice) run their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demo_days import DAY_ARGS, DayOf, erp_param, on_day, run_demo

pytestmark = pytest.mark.slow


@on_day("sage200")
def test_demo_day_reconciles_every_order_despite_dropped_webhooks(day_of: DayOf) -> None:
    day = day_of("sage200")
    report = day.report
    rec = report["reconciliation"]
    orders = int(DAY_ARGS["sage200"][DAY_ARGS["sage200"].index("--orders") + 1])
    assert rec["orders_in_shopify"] == orders + 1  # the day and one VAT-exclusive order
    assert rec["missing_after_sweep"] == []
    assert report["webhooks"]["dropped"] > 0
    assert report["erp"]["reachable"] and report["erp"]["authenticated"]
    # Order jobs may die on order problems (see test_every_qualifying_order_is_in_the_erp_once);
    # the intake's own jobs never may.
    dead = [
        row for row in report["status"]["queue"] if row["state"] == "dead" and row["kind"] != "shopify.order"
    ]
    assert dead == []
    assert "AGREE" in day.markdown
    assert report["stock"]["drift_after_audit"] == 0  # the audit ran at the end of the day


@on_day("sage200")
def test_without_serving_the_demo_says_how_to_serve_and_links_no_stopped_dashboard(day_of: DayOf) -> None:
    day = day_of("sage200")  # run with --no-serve
    assert "shopbridge demo --serve" in " ".join(day.output.split())
    assert "http://" not in day.markdown
    assert "Dashboard: not kept running" in day.markdown


def test_demo_without_a_sweep_would_have_missed_orders(tmp_path: Path) -> None:
    # With every webhook dropped nothing arrives by webhook; the sweep alone must bring all orders in.
    result = run_demo(tmp_path, "--orders", "10", "--drop-rate", "1.0")
    assert result.returncode == 0, result.stdout + result.stderr
    rec = json.loads((tmp_path / "report.json").read_text())["reconciliation"]
    assert len(rec["missing_after_webhooks"]) == 11
    assert rec["missing_after_sweep"] == []


VOLATILE = ("status", "counters", "dashboard", "erp")


def comparable(report: dict[str, object]) -> dict[str, object]:
    """The report without times, ports and paths (the queue status and ERP detail carry those)."""
    return {k: v for k, v in report.items() if k not in VOLATILE}


def test_one_seed_gives_the_same_day_twice(tmp_path: Path) -> None:
    args = ("--orders", "12", "--seed", "7", "--drop-rate", "0.3", "--duplicate-rate", "0.2")
    reports = []
    for run in ("one", "two"):
        result = run_demo(tmp_path / run, *args)
        assert result.returncode == 0, result.stdout + result.stderr
        reports.append(json.loads((tmp_path / run / "report.json").read_text()))
    first, second = reports
    assert first["webhooks"]["dropped"] > 0 and first["webhooks"]["duplicated"] > 0
    assert comparable(first) == comparable(second)


@on_day("sage200")
def test_every_qualifying_order_is_in_the_erp_once(day_of: DayOf) -> None:
    orders = day_of("sage200").report["orders"]
    assert orders["qualifying"] > 0
    assert orders["in_erp_exactly_once"] == orders["qualifying"]
    assert orders["duplicates_in_erp"] == 0
    assert orders["totals_differ"] == 0
    assert orders["released"] > 0
    assert orders["after_cutoff_problems"] == 1
    assert orders["cancelled_in_erp"] == 1


@pytest.mark.parametrize(("erp", "title"), [erp_param("syspro", "SYSPRO"), erp_param("prima", "Prima")])
def test_every_qualifying_order_is_in_that_erp_once(day_of: DayOf, erp: str, title: str) -> None:
    day = day_of(erp)
    assert f"in {title} exactly once" in day.output
    orders = day.report["orders"]
    assert orders["erp"] == title
    assert orders["qualifying"] > 0
    assert orders["in_erp_exactly_once"] == orders["qualifying"], orders["missing_in_erp"]
    assert (orders["duplicates_in_erp"], orders["totals_differ"]) == (0, 0), orders["totals_differ_orders"]
    assert orders["released"] > 0
    assert orders["cancelled_in_erp"] == 1


@pytest.mark.tryton
@on_day("tryton")
def test_a_day_on_a_real_tryton_posts_every_qualifying_order_once_with_shopifys_totals(
    day_of: DayOf,
) -> None:
    orders = day_of("tryton").report["orders"]
    assert orders["qualifying"] > 0
    assert orders["in_erp_exactly_once"] == orders["qualifying"], orders["missing_in_erp"]
    assert (orders["duplicates_in_erp"], orders["totals_differ"]) == (0, 0), orders["totals_differ_orders"]
    assert orders["released"] > 0


def test_tryton_without_its_virtualenv_names_the_fix(tmp_path: Path) -> None:
    from shopbridge.demo.erp_base import ErpUnavailable
    from shopbridge.demo.tryton import tryton_venv

    with pytest.raises(ErpUnavailable, match=r"\.venv-tryton/bin/trytond is missing; run scripts/setup\.sh"):
        tryton_venv([tmp_path])
