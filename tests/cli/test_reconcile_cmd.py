"""``shopbridge reconcile``: the kept reports per day, the go-live gate, JSON and CSV, exit codes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.seeding import write_config
from shopbridge.cli.app import app
from shopbridge.domain.reconciliation import (
    CheckpointResult,
    DayReport,
    Mismatch,
    StockFact,
    Verdict,
    check_orders,
    check_refunds,
    check_stock,
)
from shopbridge.engine.clock import FakeClock
from shopbridge.engine.store import Store
from shopbridge.engine.uow import StoreUnitOfWork

SHOP = """
[[shops]]
name = "uk"
domain = "sandbox.myshopify.com"
admin_url = "http://127.0.0.1:9"
access_token = {{ env = "CLI_RECONCILE_TOKEN" }}
webhook_secrets = [{{ env = "CLI_RECONCILE_TOKEN" }}]

[reconcile]
parity_days = {days}
"""
FIRST = date(2026, 11, 1)


def shopbridge(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), *args], env={"COLUMNS": "200"})


@pytest.fixture
def config(tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLI_RECONCILE_TOKEN", "unused")
    path = write_config(tmp_path / "shopbridge.toml", store)
    with path.open("a", encoding="utf-8") as out:
        out.write(SHOP.format(days=3))
    return path


def keep(store: Store, clock: FakeClock, day: date, *, ledger_ok: bool = True) -> None:
    refunds = check_refunds([])
    if not ledger_ok:
        missing = Mismatch("refunds", "refund:9", "missing", "refund 9 of #1009 has no credit note")
        refunds = CheckpointResult("refunds", Verdict.FAIL, 1, (missing,))
    report = DayReport("uk", day.isoformat(), (check_orders([], {}), refunds, check_stock(StockFact(0))))
    with StoreUnitOfWork(store, clock).begin() as tx:
        tx.save_reconcile_report(report)


def test_a_kept_passing_day_and_parity_once_enough_days_passed(
    config: Path, store: Store, fake_clock: FakeClock, tmp_path: Path
) -> None:
    for n in range(2):
        keep(store, fake_clock, FIRST + timedelta(days=n))
    two = shopbridge(config, "reconcile", "--date", "2026-11-02", "--stored")
    assert two.exit_code == 0, two.output
    assert "2 of 3 consecutive passing days" in two.stdout and "parity confirmed" not in two.stdout
    keep(store, fake_clock, FIRST + timedelta(days=2))
    target = tmp_path / "day.csv"
    three = shopbridge(
        config, "reconcile", "--date", "2026-11-03", "--stored", "--json", "--csv", str(target)
    )
    assert three.exit_code == 0, three.output
    body = json.loads(three.stdout)
    assert body["parity"]["confirmed"] is True and body["parity"]["streak"] == 3
    assert {name: r["verdict"] for name, r in body["checkpoints"].items()} == {
        "orders": "pass",
        "refunds": "pass",
        "stock": "pass",
    }
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["checkpoint"], r["verdict"]) for r in rows] == [
        ("orders", "pass"),
        ("refunds", "pass"),
        ("stock", "pass"),
    ]
    assert "parity confirmed" in shopbridge(config, "reconcile", "--date", "2026-11-03", "--stored").stdout


def test_a_failing_day_exits_1_lists_its_mismatch_and_breaks_the_streak(
    config: Path, store: Store, fake_clock: FakeClock
) -> None:
    keep(store, fake_clock, FIRST)
    keep(store, fake_clock, FIRST + timedelta(days=1))
    keep(store, fake_clock, FIRST + timedelta(days=2), ledger_ok=False)
    result = shopbridge(config, "reconcile", "--date", "2026-11-03", "--stored")
    assert result.exit_code == 1
    assert "refund 9 of #1009 has no credit note" in result.stdout
    assert "0 of 3 consecutive passing days" in result.stdout


def test_a_day_never_run_and_a_bad_date_are_refused(config: Path) -> None:
    never = shopbridge(config, "reconcile", "--date", "2026-11-05", "--stored")
    assert never.exit_code == 1 and "no reconciliation of uk is kept for 2026-11-05" in never.stderr
    bad = shopbridge(config, "reconcile", "--date", "05/11/2026", "--stored")
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.stderr
