"""Fixtures for the Shopify sandbox tests: a running sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sandbox_catalog_support import TOKEN, GraphQL

from shopbridge.sandbox.shopify.server import SandboxServer, SandboxSettings


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
