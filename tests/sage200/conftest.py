"""Fixtures: a running Sage 200 sandbox, and the adapter wired to it with its requests captured."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.connectors.erp.sage200.client import Sage200Client
from shopbridge.sandbox.sage200 import Sage200Sandbox

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
if str(CONTRACT) not in sys.path:
    sys.path.insert(0, str(CONTRACT))

from harness_sage200 import sandbox_settings  # noqa: E402


@pytest.fixture
def sandbox() -> Iterator[Sage200Sandbox]:
    box = Sage200Sandbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def sent() -> list[httpx.Request]:
    """Every request the adapter sends (filled by an httpx event hook)."""
    return []


@pytest.fixture
def adapter(sandbox: Sage200Sandbox, sent: list[httpx.Request]) -> Iterator[Sage200Adapter]:
    def capture(request: httpx.Request) -> None:
        request.read()
        sent.append(request)

    client = Sage200Client(
        sandbox_settings(sandbox, timeout_seconds=2.0), sandbox.token, event_hooks={"request": [capture]}
    )
    port = Sage200Adapter(client)
    try:
        yield port
    finally:
        port.close()


@pytest.fixture
def http(sandbox: Sage200Sandbox) -> Iterator[httpx.Client]:
    """A raw client with the sandbox's credentials, for talking to the sandbox directly."""
    headers = {
        "Authorization": f"Bearer {sandbox.token}",
        "X-Site": sandbox.site_id,
        "X-Company": sandbox.company_id,
    }
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10) as client:
        yield client
