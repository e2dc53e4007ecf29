"""An order version's key: the same version spelled alike from a webhook body, a sweep and a write-back."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.domain.order_versions import (
    OrderVersion,
    graphql_order_state,
    normalise_time,
    order_state,
    rest_order_state,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-27T09:15:02Z", "2026-11-27T09:15:02Z"),
        ("2026-11-27T04:15:02-05:00", "2026-11-27T09:15:02Z"),  # REST's shop-zone stamp
        ("2026-11-27T09:15:02.731Z", "2026-11-27T09:15:02Z"),  # to the second
        ("2026-11-27T09:15:02", "2026-11-27T09:15:02"),  # no zone: kept as it is
        ("yesterday", "yesterday"),
    ],
)
def test_times_are_normalised_to_the_second_in_utc(value: str, expected: str) -> None:
    assert normalise_time(value) == expected


@pytest.mark.parametrize(
    ("cancelled_at", "status", "total", "expected"),
    [
        (None, "PAID", "24.00", "open:paid:24"),
        (None, "paid", "24", "open:paid:24"),
        ("2026-11-27T09:15:02Z", "REFUNDED", "0.00", "cancelled:refunded:0"),
        (None, "PARTIALLY_PAID", "30.50", "open:partially_paid:30.5"),
        (None, None, None, "open::"),
        (None, "PAID", "not a number", "open:paid:not a number"),
    ],
)
def test_the_state_part_of_a_version(cancelled_at: Any, status: Any, total: Any, expected: str) -> None:
    assert order_state(cancelled_at, status, total) == expected


def test_a_webhook_body_and_a_graphql_node_of_one_version_have_one_key() -> None:
    rest = {
        "id": 820982911946154508,
        "updated_at": "2026-11-27T04:15:02-05:00",
        "cancelled_at": None,
        "financial_status": "paid",
        "current_total_price": "24.00",
    }
    node = {
        "id": "gid://shopify/Order/820982911946154508",
        "updatedAt": "2026-11-27T09:15:02Z",
        "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "currentTotalPriceSet": {"shopMoney": {"amount": "24.0"}},
    }
    from_rest = OrderVersion.of(str(rest["id"]), rest["updated_at"], rest_order_state(rest))
    from_graphql = OrderVersion.of(node["id"], node["updatedAt"], graphql_order_state(node))
    assert from_rest == from_graphql
    assert from_rest.key == "820982911946154508@2026-11-27T09:15:02Z#open:paid:24"


def test_a_later_second_or_another_state_is_another_version() -> None:
    base = OrderVersion.of("1", "2026-11-27T09:15:02Z", "open:paid:24")
    assert OrderVersion.of("1", "2026-11-27T09:15:03Z", "open:paid:24") != base
    assert OrderVersion.of("1", "2026-11-27T09:15:02Z", "cancelled:paid:24") != base
