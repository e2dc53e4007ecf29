"""Every request the adapter sends validates against the real Sage 200 specs (openapi-core), and the
adapter uses exactly the operations the sandbox lists as implemented (operations.py)."""

from __future__ import annotations

import httpx
import pytest
from sage200_scenario import walk_every_operation

from shopbridge.connectors.erp.sage200 import Sage200Adapter
from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.sage200.operations import IMPLEMENTED
from shopbridge.sandbox.sage200.spec import SpecRequest, match_template, request_errors


def as_spec_request(request: httpx.Request) -> SpecRequest:
    return SpecRequest(
        host_url=f"{request.url.scheme}://{request.url.netloc.decode()}",
        path=request.url.path,
        method=request.method.lower(),
        query=tuple(request.url.params.multi_items()),
        headers=tuple(request.headers.items()),
        body=request.content or None,
        content_type=request.headers.get("content-type", "application/json"),
    )


@pytest.fixture
def walked(
    adapter: Sage200Adapter, sandbox: Sage200Sandbox, sent: list[httpx.Request]
) -> list[httpx.Request]:
    walk_every_operation(adapter, sandbox)
    return sent


def test_every_request_the_adapter_sends_validates_against_the_spec(walked: list[httpx.Request]) -> None:
    rejected = {
        f"{r.method} {r.url.path}": problems
        for r in walked
        if (problems := request_errors(as_spec_request(r)))
    }
    assert rejected == {}


def test_every_request_carries_the_bearer_token_and_the_site_and_company(
    walked: list[httpx.Request], sandbox: Sage200Sandbox
) -> None:
    for request in walked:
        assert request.headers["authorization"] == f"Bearer {sandbox.token}"
        assert (request.headers["x-site"], request.headers["x-company"]) == (
            sandbox.site_id,
            sandbox.company_id,
        )


def test_the_adapter_uses_exactly_the_operations_the_sandbox_implements(walked: list[httpx.Request]) -> None:
    used = {(r.method, match_template(r.url.path)) for r in walked}
    assert used == set(IMPLEMENTED)
