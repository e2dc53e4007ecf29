"""Which orders go to the ERP now, which wait, and which never go."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.orders import OrderRules, Qualification, qualify
from shopbridge.domain.records import FinancialStatus, Order, OrderLine

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
S = FinancialStatus


def an_order(status: FinancialStatus, *, test: bool = False, cancelled: bool = False) -> Order:
    line = OrderLine("1", "MUG", 1, Money.of("8.00", "GBP"))
    return Order(
        "gid://shopify/Order/1",
        "#1001",
        "GBP",
        NOW,
        (line,),
        financial_status=status,
        test=test,
        cancelled_at=NOW if cancelled else None,
    )


@pytest.mark.parametrize(
    ("status", "trigger", "qualifies", "reason"),
    [
        pytest.param(S.PAID, "paid", True, "paid", id="a paid order qualifies"),
        pytest.param(S.PARTIALLY_REFUNDED, "paid", True, "partially_refunded", id="partly refunded is paid"),
        pytest.param(S.REFUNDED, "paid", True, "refunded", id="a refunded order was paid and qualifies"),
        pytest.param(S.AUTHORIZED, "paid", False, "waiting for payment", id="authorized waits for payment"),
        pytest.param(S.PARTIALLY_PAID, "paid", False, "waiting for payment", id="part paid waits"),
        pytest.param(S.AUTHORIZED, "authorized", True, "authorized", id="authorized qualifies on authorized"),
        pytest.param(S.PARTIALLY_PAID, "authorized", True, "partially_paid", id="part paid qualifies too"),
        pytest.param(S.PAID, "authorized", True, "paid", id="paid qualifies on authorized"),
        pytest.param(S.PENDING, "paid", False, "waiting for payment", id="pending waits for payment"),
        pytest.param(S.PENDING, "authorized", False, "waiting for authorization", id="pending waits auth"),
        pytest.param(S.VOIDED, "paid", False, "waiting for payment", id="a voided payment waits"),
    ],
)
def test_financial_status_decides_whether_an_order_qualifies(
    status: FinancialStatus, trigger: str, qualifies: bool, reason: str
) -> None:
    result = qualify(an_order(status), OrderRules(trigger=trigger))
    assert (result.qualifies, result.skip) == (qualifies, False)
    assert reason in result.reason


@pytest.mark.parametrize(
    ("order", "test_orders", "expected"),
    [
        pytest.param(
            an_order(S.PAID, test=True),
            "skip",
            Qualification(False, True, "test order skipped by config"),
            id="a test order is skipped by default",
        ),
        pytest.param(
            an_order(S.PAID, test=True),
            "post",
            Qualification(True, False, "financial status paid"),
            id="a test order is posted when configured to",
        ),
        pytest.param(
            an_order(S.PAID, cancelled=True),
            "skip",
            Qualification(False, True, "cancelled before it was posted"),
            id="a cancelled order that never posted is skipped",
        ),
        pytest.param(
            an_order(S.PENDING, test=True),
            "post",
            Qualification(False, False, "waiting for payment (financial status pending)"),
            id="a posted-by-config test order still waits for payment",
        ),
    ],
)
def test_test_and_cancelled_orders_follow_the_rules(
    order: Order, test_orders: str, expected: Qualification
) -> None:
    assert qualify(order, OrderRules(test_orders=test_orders)) == expected


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"trigger": "captured"}, id="an unknown trigger is refused"),
        pytest.param({"test_orders": "maybe"}, id="an unknown test order setting is refused"),
    ],
)
def test_order_rules_refuse_settings_they_do_not_know(settings: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="must be"):
        OrderRules(**settings)  # type: ignore[arg-type]
