"""The audit's Shopify calls on a scripted client: backoff, the end states, JSONL levels, stale repairs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from shopbridge.connectors.shopify.errors import from_user_errors
from shopbridge.connectors.shopify.inventory_audit import Backoff, levels_from_lines, repair, wait_read
from shopbridge.domain.stock_audit import Drift, ShopifyLevel
from shopbridge.errors import BadInput, RetryLater

OP = "gid://shopify/BulkOperation/1"
LOC = "gid://shopify/Location/1"


class Polled:
    """Answers ``bulk_operation_by_id`` with the given statuses in turn."""

    def __init__(self, *statuses: str, error_code: str | None = None) -> None:
        self.statuses = list(statuses)
        self.error_code = error_code
        self.polls = 0

    def execute(self, name: str, variables: Mapping[str, Any] | None = None, **_: Any) -> Any:
        assert name == "bulk_operation_by_id"
        status = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        node = {"id": OP, "status": status, "objectCount": str(self.polls * 10), "errorCode": self.error_code}
        return {"node": node}

    def mutate(self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None) -> Any:
        raise AssertionError("not used")


def test_polling_backs_off_by_doubling_up_to_the_cap() -> None:
    client = Polled("CREATED", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED")
    slept: list[float] = []
    seen: list[int] = []
    total = wait_read(client, OP, backoff=Backoff(1.0, 5.0, 3600), progress=seen.append, sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert seen == [10, 20, 30, 40, 50, 60]
    assert total == 60


@pytest.mark.parametrize(("status", "code"), [("CANCELED", None), ("FAILED", "INTERNAL_SERVER_ERROR")])
def test_a_read_that_ends_otherwise_asks_for_a_retry_later(status: str, code: str | None) -> None:
    with pytest.raises(RetryLater, match=status) as raised:
        wait_read(Polled("RUNNING", status, error_code=code), OP, sleep=lambda _: None)
    assert raised.value.details["status"] == status


def test_a_read_past_its_deadline_asks_for_a_retry_later() -> None:
    with pytest.raises(RetryLater, match="still RUNNING"):
        wait_read(Polled("RUNNING"), OP, backoff=Backoff(1.0, 1.0, 3.0), sleep=lambda _: None)


def test_only_level_lines_become_levels() -> None:
    lines = [
        {"id": "gid://shopify/InventoryItem/1"},
        {
            "location": {"id": LOC},
            "quantities": [{"name": "available", "quantity": 4}],
            "__parentId": "gid://shopify/InventoryItem/1",
        },
    ]
    assert list(levels_from_lines(iter(lines))) == [ShopifyLevel(LOC, "gid://shopify/InventoryItem/1", 4)]


def test_a_level_line_without_its_fields_is_bad_input() -> None:
    with pytest.raises(BadInput):
        list(levels_from_lines(iter([{"location": {"id": LOC}, "__parentId": "x"}])))


class Repairs:
    """``inventory_set_quantities``: the first call refuses the positions in ``stale``."""

    def __init__(self, stale: list[int]) -> None:
        self.stale = stale
        self.sent: list[tuple[list[int], str | None]] = []

    def execute(self, name: str, variables: Mapping[str, Any] | None = None, **_: Any) -> Any:
        raise AssertionError("not used")

    def mutate(self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None) -> Any:
        assert variables is not None
        quantities = variables["input"]["quantities"]
        self.sent.append(([q["quantity"] for q in quantities], key))
        if len(self.sent) == 1 and self.stale:
            errors = [
                {
                    "field": ["input", "quantities", str(i), "changeFromQuantity"],
                    "message": "stale",
                    "code": "CHANGE_FROM_QUANTITY_STALE",
                }
                for i in self.stale
            ]
            raise from_user_errors(errors, name)
        return {"inventoryAdjustmentGroup": {"id": "gid://shopify/InventoryAdjustmentGroup/1"}}


def drift(n: int) -> Drift:
    return Drift(LOC, f"gid://shopify/InventoryItem/{n}", f"SKU-{n}", shopify=0, expected=n)


def test_a_stale_level_is_dropped_and_the_rest_of_the_batch_is_sent_again() -> None:
    client = Repairs(stale=[1])
    assert repair(client, [drift(1), drift(2), drift(3)], key="job") == 2
    assert [quantities for quantities, _ in client.sent] == [[1, 2, 3], [1, 3]]
    assert client.sent[0][1] != client.sent[1][1]  # other content, other idempotency key


def test_the_same_batch_gets_the_same_key_on_a_retry() -> None:
    first, second = Repairs(stale=[]), Repairs(stale=[])
    repair(first, [drift(1)], key="job")
    repair(second, [drift(1)], key="job")
    assert first.sent[0][1] == second.sent[0][1]


def test_more_than_250_repairs_in_one_call_is_refused() -> None:
    with pytest.raises(ValueError, match="250"):
        repair(Repairs(stale=[]), [drift(n) for n in range(251)], key="job")
