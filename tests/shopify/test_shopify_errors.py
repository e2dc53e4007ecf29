"""Error translation, table-tested on answers recorded from real Shopify stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shopbridge.connectors.shopify.errors import (
    StaleQuantity,
    from_graphql_errors,
    from_http_status,
    from_user_errors,
    is_throttled,
)
from shopbridge.errors import BadInput, ConfigurationError, NeedsPerson, RetryLater, Throttled

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopify" / "captures-2025-01"


def capture(relative: str, *path: str | int) -> Any:
    node: Any = json.loads((CAPTURES / relative).read_text(encoding="utf-8"))
    for step in path:
        node = node[step]
    return node


REFUND = "orders/refund-create-over-refund-user-errors.json"
SET_NAME = "products/inventorySetQuantities-name-validation.json"
BULK = "bulk-operations/bulk-operation-run-query-operation-in-progress.json"
USER_ERROR_CASES = [
    ((REFUND, "mutation", "response", "data", "refundCreate"), NeedsPerson),
    ((SET_NAME, "cases", "damaged", "response", "data", "inventorySetQuantities"), BadInput),
    ((SET_NAME, "cases", "availableTooHigh", "response", "data", "inventorySetQuantities"), BadInput),
    ((BULK, "secondRun", "response", "data", "bulkOperationRunQuery"), RetryLater),
]


@pytest.mark.parametrize(
    ("where", "expected"), USER_ERROR_CASES, ids=lambda v: v[-1] if isinstance(v, tuple) else ""
)
def test_recorded_user_errors_translate_by_code(where: tuple[str, ...], expected: type[Exception]) -> None:
    user_errors = capture(*where)["userErrors"]
    error = from_user_errors(user_errors, "doc")
    assert type(error) is expected
    assert error.details["messages"] == [e["message"] for e in user_errors]
    assert user_errors[0]["message"] in str(error)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (["CHANGE_FROM_QUANTITY_STALE"], StaleQuantity),
        (["IDEMPOTENCY_CONCURRENT_REQUEST"], RetryLater),
        (["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"], BadInput),
        ([""], NeedsPerson),
        (["SOMETHING_NEW_FROM_SHOPIFY"], NeedsPerson),
        (["INVALID", "NOT_FOUND"], NeedsPerson),
    ],
)
def test_user_error_codes_choose_the_error_class(codes: list[str], expected: type[Exception]) -> None:
    errors = [{"field": ["input"], "message": f"message {c}", "code": c or None} for c in codes]
    error = from_user_errors(errors, "inventory_set_quantities")
    assert type(error) is expected
    assert error.details["document"] == "inventory_set_quantities"


def test_recorded_access_denied_is_a_configuration_error() -> None:
    errors = capture("payments/shopify-payments-account-access-denied.json", "errors")
    error = from_graphql_errors(errors, "payouts")
    assert isinstance(error, ConfigurationError)
    assert "read_shopify_payments" in str(error)


def test_recorded_invalid_variable_is_bad_input_naming_the_document() -> None:
    errors = capture("customers/customer-by-identifier.json", "emptyIdentifier", "payload", "errors")
    error = from_graphql_errors(errors, "customers")
    assert isinstance(error, BadInput)
    assert "customers" in str(error)
    assert error.details["codes"] == ["INVALID_VARIABLE"]


THROTTLED = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}


@pytest.mark.parametrize(
    ("status", "body", "throttled"),
    [(200, THROTTLED, True), (429, None, True), (200, {"data": {}}, False), (500, None, False)],
)
def test_throttled_is_recognised_on_200_and_429(
    status: int, body: dict[str, Any] | None, throttled: bool
) -> None:
    assert is_throttled(status, body) is throttled


def test_throttled_in_graphql_errors_is_throttled() -> None:
    assert isinstance(from_graphql_errors(THROTTLED["errors"], "doc"), Throttled)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, type(None)),
        (401, ConfigurationError),
        (403, ConfigurationError),
        (404, ConfigurationError),
        (400, BadInput),
        (423, Throttled),
        (429, Throttled),
        (500, RetryLater),
        (502, RetryLater),
        (503, RetryLater),
    ],
)
def test_http_statuses_translate(status: int, expected: type[object]) -> None:
    assert type(from_http_status(status, "body", "doc")) is expected


def test_locked_shop_waits_minutes() -> None:
    error = from_http_status(423, "", "doc")
    assert isinstance(error, Throttled) and (error.retry_after or 0) >= 60
