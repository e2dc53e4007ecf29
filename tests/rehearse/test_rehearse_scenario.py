"""Scenario files: the presets load and say what issue 15 asks; a bad file is refused by file, key, fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopbridge.errors import ConfigurationError
from shopbridge.rehearse.scenario import PRESETS, Plan, Scenario, load_scenario


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_by_name(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name


def test_bad_day_has_every_fault_the_issue_names() -> None:
    faults = load_scenario("bad-day").faults
    assert faults.webhook_drop_rate == pytest.approx(0.10)
    assert faults.webhook_duplicate_rate > 0 and faults.webhook_reorder_seconds > 0
    assert faults.erp_outage_seconds > 0 and faults.erp_error_rate == pytest.approx(0.05)
    assert faults.shopify_throttle_seconds > 0 and faults.kill_worker_at is not None


def test_black_friday_is_twenty_times_the_rate_with_bestsellers_running_out() -> None:
    trade = load_scenario("black-friday").trade
    assert trade.orders_per_second == pytest.approx(20.0)  # normal: one order a second
    assert trade.bestsellers > 0 and trade.bestseller_stock is not None
    # 20 orders/s at ~38 cost points each needs Plus's 1,000 points/s (Standard's 100 carry ~2.6)
    assert load_scenario("black-friday").shopify.plan is Plan.PLUS


def test_month_end_has_refunds_and_chargebacks() -> None:
    trade = load_scenario("month-end").trade
    assert trade.refunds > 0 and trade.chargebacks > 0


def test_plans_are_shopify_budgets() -> None:
    assert (Plan.STANDARD.restore_rate, Plan.PLUS.restore_rate) == (100.0, 1000.0)


def test_orders_scale_the_peak_and_keep_the_rest() -> None:
    scenario = load_scenario("bad-day")
    scaled = scenario.scaled(40)
    assert scaled.trade.orders == 40
    assert (
        scaled.faults == scenario.faults
        and scaled.trade.orders_per_second == scenario.trade.orders_per_second
    )
    assert scenario.scaled(None) is scenario


def test_a_file_of_ones_own_loads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[trade]\norders = 7\n[shopify]\nplan = "standard"\n', encoding="utf-8")
    scenario = load_scenario(str(path))
    assert (scenario.name, scenario.trade.orders, scenario.shopify.plan) == ("mine", 7, Plan.STANDARD)
    assert scenario == Scenario(name="mine", trade=scenario.trade, shopify=scenario.shopify)


def _refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_scenario(str(path))
    message = str(caught.value)
    assert str(path) in message and "fix:" in message
    return message


def test_an_unknown_key_is_named_with_its_section(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "[faults]\nwebhook_drop = 0.1\n")
    assert message.startswith("faults.webhook_drop:") and "remove the key" in message


def test_a_rate_out_of_range_names_the_key_and_the_bound(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "[faults]\nerp_error_rate = 1.5\n")
    assert message.startswith("faults.erp_error_rate:") and "le 1" in message and "1.5" in message


def test_an_unknown_plan_lists_the_plans(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[shopify]\nplan = "advanced"\n')
    assert message.startswith("shopify.plan:") and "'standard'" in message and "'plus'" in message


def test_more_bestsellers_than_the_catalogue_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "[trade]\ncatalogue_size = 2\nbestsellers = 3\n")
    assert "bestsellers (3) cannot exceed catalogue_size (2)" in message


def test_broken_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "[trade\norders = 1\n")
    assert "not valid TOML" in message and "line 1" in message


def test_a_missing_file_lists_the_presets() -> None:
    with pytest.raises(ConfigurationError, match=r"no scenario file nowhere\.toml.*black-friday, bad-day"):
        load_scenario("nowhere.toml")
