"""A Tryton without the optional modules: ``check`` learns it, drops the capabilities and the
operations are refused as unsupported. (The seeded test server has them all: see the contract suite.)"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from shopbridge.connectors.erp.tryton import CAPABILITIES, TrytonErp
from shopbridge.connectors.erp.tryton.rpc import TrytonRpc
from shopbridge.domain.money import Money
from shopbridge.domain.records import SalesOrderLine, SalesOrderRequest
from shopbridge.errors import UnsupportedOperation
from shopbridge.ports.erp import Capability

CURRENCY = [{"id": 1, "currency": 1, "currency.": {"id": 1, "code": "GBP"}}]
ONE = Money(Decimal("1.00"), "GBP")
WAREHOUSE = [{"id": 4, "code": "WH", "storage_location": 3}]


def _tryton(active_modules: list[str]) -> TrytonErp:
    """An adapter on a scripted Tryton whose activated optional modules are ``active_modules``."""
    answers: dict[str, Any] = {
        "common.db.login": [1, "token", None],
        "model.res.user.get_preferences": {"company": 1, "language": "en"},
        "model.company.company.search_read": CURRENCY,
        "model.stock.location.search_read": WAREHOUSE,
        "model.ir.module.search_read": [{"id": i, "name": name} for i, name in enumerate(active_modules)],
    }

    def answer(request: httpx.Request) -> httpx.Response:
        method = json.loads(request.content)["method"]
        return httpx.Response(200, json={"id": 0, "result": answers[method]})

    return TrytonErp(
        TrytonRpc("http://tryton.test", "erp", "admin", "pw", transport=httpx.MockTransport(answer))
    )


def test_with_both_modules_every_capability_stays() -> None:
    erp = _tryton(["sale_amendment", "sale_credit_limit"])
    health = erp.check()
    assert health.capabilities == erp.capabilities == CAPABILITIES
    assert "not activated" not in health.detail


def test_without_the_modules_their_capabilities_go_and_the_calls_are_refused() -> None:
    erp = _tryton([])
    health = erp.check()
    lacking = {Capability.AMEND_SALES_ORDER, Capability.CREDIT_LIMIT_CHECK}
    assert health.capabilities == erp.capabilities == CAPABILITIES - lacking
    assert "not activated: sale_amendment, sale_credit_limit" in health.detail
    with pytest.raises(UnsupportedOperation, match="sale_credit_limit is not activated"):
        erp.check_credit("C1", Money(Decimal("1.00"), "GBP"))
    order = SalesOrderRequest("#X1", "C1", "GBP", date(2026, 11, 22), (SalesOrderLine("SKU", 1, ONE, ONE),))
    with pytest.raises(UnsupportedOperation, match="sale_amendment is not activated"):
        erp.amend_sales_order(order)
