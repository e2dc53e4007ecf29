"""Fixtures for the Shopify sandbox tests: a running sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings

TOKEN = "shpat_test_token"
GraphQL = Callable[..., httpx.Response]


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox with the standard catalogue, a roomy bucket and no faults."""
    server = SandboxServer(SandboxSettings(access_token=TOKEN, seed_catalogue=True, seed=7))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.sandbox.base_url, timeout=10) as http:
        yield http


@pytest.fixture
def gql(sandbox: SandboxServer, client: httpx.Client) -> GraphQL:
    """POST a document to the sandbox's GraphQL endpoint; returns the raw response."""

    def send(query: str, variables: dict[str, Any] | None = None, **extra: Any) -> httpx.Response:
        body = {"query": query, "variables": variables or {}, **extra}
        return client.post(sandbox.graphql_url, json=body, headers={"X-Shopify-Access-Token": TOKEN})

    return send


def data_of(response: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a 200 answer without errors (fails the test loudly otherwise)."""
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result
