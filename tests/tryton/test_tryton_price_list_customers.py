"""A Tryton price list's customers: the parties whose sale price list it is (real server)."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import TrytonErp

pytestmark = pytest.mark.tryton


def test_a_party_on_a_price_list_is_one_of_its_customers(harness: Any, erp: TrytonErp, account: str) -> None:
    before = {pl.code: pl for pl in erp.price_lists()}["Trade"]
    assert account not in before.customer_accounts
    harness.set_customer_price_list(account, "Trade")
    after = {pl.code: pl for pl in erp.price_lists()}["Trade"]
    assert account in after.customer_accounts
