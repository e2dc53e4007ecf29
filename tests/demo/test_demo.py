"""`shopbridge demo` end to end: a real process, real HTTP between shopbridge and the sandboxes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run_demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "shopbridge.cli",
        "demo",
        "--no-serve",
        "--workdir",
        str(tmp_path),
        *args,
    ]
    env = {**os.environ, "CI": "true"}
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, check=False)


def test_demo_day_reconciles_every_order_despite_dropped_webhooks(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "--orders", "25", "--drop-rate", "0.3", "--duplicate-rate", "0.2")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    rec = report["reconciliation"]
    assert rec["orders_in_shopify"] == 25
    assert rec["missing_after_sweep"] == []
    assert report["webhooks"]["dropped"] > 0
    assert report["erp"]["reachable"] and report["erp"]["authenticated"]
    dead = [row for row in report["status"]["queue"] if row["state"] == "dead"]
    assert dead == []
    assert "AGREE" in (tmp_path / "report.md").read_text()


def test_demo_without_a_sweep_would_have_missed_orders(tmp_path: Path) -> None:
    # With every webhook dropped nothing arrives by webhook; the sweep alone must bring all orders in.
    result = run_demo(tmp_path, "--orders", "10", "--drop-rate", "1.0")
    assert result.returncode == 0, result.stdout + result.stderr
    rec = json.loads((tmp_path / "report.json").read_text())["reconciliation"]
    assert len(rec["missing_after_webhooks"]) == 10
    assert rec["missing_after_sweep"] == []
