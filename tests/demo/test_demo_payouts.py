"""`shopbridge demo` posts the day's payouts to each ERP: checked against the ERP sandbox itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from demo_days import EVERY_ERP, DayOf

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_every_paid_payout_is_in_the_erp_once_and_moves_the_bank_by_its_net(day_of: DayOf, erp: str) -> None:
    payouts = day_of(erp).report["payouts"]
    assert payouts["paid"] == 2  # the day's payout and the refund-heavy one after it
    assert payouts["withdrawals"] == 1  # the refunds and the chargeback took money back from the bank
    assert (payouts["posted"], payouts["balanced"]) == (2, 2)
    assert Decimal(payouts["net_difference"]) == 0
    assert payouts["unknown_types"] == []
