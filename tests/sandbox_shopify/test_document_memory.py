"""The executor parses and validates a document once per text: what it keeps, and what it never keeps."""

from __future__ import annotations

from typing import Any

import pytest

from shopbridge.sandbox.shopify import executor as executor_module
from shopbridge.sandbox.shopify.cost import LeakyBucket
from shopbridge.sandbox.shopify.executor import Executor
from shopbridge.sandbox.shopify.state import ShopState

VALID = "query Q($id: ID!) { order(id: $id) { id name } }"
INVALID = "query Q { order(id: null) { id } }"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the executor parses."""
    seen: list[str] = []
    parse = executor_module.parse

    def counting(source: str) -> Any:
        seen.append(source)
        return parse(source)

    monkeypatch.setattr(executor_module, "parse", counting)
    return seen


def test_a_valid_document_is_parsed_once_and_still_answers_each_request_with_its_variables(
    parsed: list[str],
) -> None:
    executor = Executor(ShopState(), LeakyBucket())
    first = executor.run({"query": VALID, "variables": {"id": "gid://shopify/Order/1"}})
    second = executor.run({"query": VALID, "variables": {}})  # a missing variable: an error, every time
    third = executor.run({"query": VALID, "variables": {"id": "gid://shopify/Order/2"}})
    assert parsed == [VALID]
    assert first.body["data"] == {"order": None} and third.body["data"] == {"order": None}
    assert "errors" in second.body and "data" not in second.body


def test_a_document_with_errors_is_checked_and_answered_afresh_each_time(parsed: list[str]) -> None:
    executor = Executor(ShopState(), LeakyBucket())
    answers = [executor.run({"query": INVALID, "variables": {}}) for _ in range(2)]
    assert parsed == [INVALID, INVALID]
    assert answers[0].body == answers[1].body and answers[0].body["errors"]
