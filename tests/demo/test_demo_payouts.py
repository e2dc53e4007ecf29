"""`shopbridge demo` posts the day's payouts to each ERP: checked against the ERP sandbox itself."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_demo import run_demo

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("erp", ["sage200", "syspro", "prima", "tryton"])
def test_every_paid_payout_is_in_the_erp_once_and_moves_the_bank_by_its_net(tmp_path: Path, erp: str) -> None:
    result = run_demo(tmp_path, "--erp", erp, "--orders", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    payouts = json.loads((tmp_path / "report.json").read_text())["payouts"]
    assert payouts["paid"] == 2  # the day's payout and the refund-heavy one after it
    assert payouts["withdrawals"] == 1  # the refunds and the chargeback took money back from the bank
    assert (payouts["posted"], payouts["balanced"]) == (2, 2)
    assert Decimal(payouts["net_difference"]) == 0
    assert payouts["unknown_types"] == []
