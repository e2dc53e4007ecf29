"""Helpers shared by D1's sandbox tests (a uniquely named module: every test folder has a conftest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

TOKEN = "shpat_test_token"
GraphQL = Callable[..., httpx.Response]


def data_of(response: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a 200 answer without errors (fails the test loudly otherwise)."""
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result
