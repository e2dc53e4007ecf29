"""``lookup_exists`` (``shopbridge connect erp``) against a real Tryton server."""

from __future__ import annotations

from shopbridge.connectors.erp.tryton.adapter import TrytonErp


def test_warehouses_and_customer_accounts_are_looked_up(erp: TrytonErp, account: str) -> None:
    assert erp.lookup_exists("warehouse", erp.look.warehouse_code) is True
    assert erp.lookup_exists("warehouse", "NO-SUCH-WH") is False
    assert erp.lookup_exists("customer_account", account) is True
    assert erp.lookup_exists("customer_account", "NOSUCH99") is False
    assert erp.lookup_exists("nominal_code", "1200") is None  # not asked of Tryton yet: said so
