"""``shopbridge dryrun report``: would-dos by flow and kind beside the reconciliation's checkpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner, Result

from shopbridge.cli.app import app
from shopbridge.dryrun.recorder import StoreRecorder
from shopbridge.engine import reconcile_reports
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})


def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "shopbridge.db"
    store = Store.connect(f"sqlite:///{path}")
    store.migrate()
    clock = FakeClock(datetime(2026, 3, 2, 10, tzinfo=UTC))
    orders = StoreRecorder(store, clock, shop="uk", flow="orders")
    for name in ("#1001", "#1002", "#1001"):  # the third is the first seen again: recorded once
        orders.record("erp.create_sales_order", name, {"order": {"reference": name}})
    StoreRecorder(store, clock, shop="uk", flow="stock").record("shopify.set_available", "gid://1", {"q": 3})
    clock.advance(3 * 86400)  # 5 March: outside a report of 1-2 March
    orders.record("erp.create_sales_order", "#1003", {"order": {"reference": "#1003"}})
    checkpoint = {"verdict": "fail", "checked": 7, "note": "", "mismatches": [{"key": "#1002"}]}
    with store.begin() as conn:
        reconcile_reports.save_report(
            conn,
            shop="uk",
            day="2026-03-02",
            passed=False,
            verdicts={"orders": "fail"},
            report={"checkpoints": {"orders": checkpoint}},
            csv="",
            now=clock.now(),
        )
    store.close()
    config = tmp_path / "shopbridge.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{path}"\n', encoding="utf-8")
    return config


def test_the_report_counts_would_dos_in_the_period_beside_the_checkpoints(tmp_path: Path) -> None:
    result = cli(seeded(tmp_path), "dryrun", "report", "--from", "2026-03-01", "--to", "2026-03-02", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    counts = {(w["flow"], w["kind"]): (w["count"], w["entities"]) for w in data["would_do"]}
    assert counts == {
        ("orders", "erp.create_sales_order"): (2, ["#1001", "#1002"]),
        ("stock", "shopify.set_available"): (1, ["gid://1"]),
    }
    orders = next(c for c in data["current_process"] if c["checkpoint"] == "orders")
    assert (orders["checked"], orders["mismatches"], orders["failed_days"], orders["would_do"]) == (
        7,
        1,
        1,
        2,
    )


def test_the_table_and_bad_dates(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    table = cli(config, "dryrun", "report", "--from", "2026-03-01", "--to", "2026-03-31")
    assert table.exit_code == 0, table.output
    assert "erp.create_sales_order" in table.output and "#1001, #1002, #1003" in table.output
    backwards = cli(config, "dryrun", "report", "--from", "2026-03-02", "--to", "2026-03-01")
    assert backwards.exit_code == 1 and "--to 2026-03-01 is before --from 2026-03-02" in backwards.output
    wrong = cli(config, "dryrun", "report", "--from", "March", "--to", "2026-03-01")
    assert wrong.exit_code == 1 and "--from 'March' is not a date; give YYYY-MM-DD" in wrong.output


def test_show_prints_one_entitys_would_dos_with_their_payloads(tmp_path: Path) -> None:
    config = seeded(tmp_path)
    result = cli(config, "dryrun", "show", "#1001")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["kind"], r["payload"]) for r in rows] == [
        ("erp.create_sales_order", {"order": {"reference": "#1001"}})
    ]
    missing = cli(config, "dryrun", "show", "#9999")
    assert missing.exit_code == 1 and "no would-do is recorded for '#9999'" in missing.output
