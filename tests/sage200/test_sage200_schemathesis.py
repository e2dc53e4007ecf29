"""Property-based run of the real Sage 200 specs against the sandbox, restricted to what it implements.

Every generated request goes to the sandbox over HTTP; each response must conform to the spec: a
documented status code, a documented content type, a body matching the response schema, and never a
server error. Bounded (a few examples per operation) so the run stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shopbridge.sandbox.sage200 import Sage200Sandbox
from shopbridge.sandbox.sage200.operations import IMPLEMENTED
from shopbridge.sandbox.sage200.spec import merged_spec


def implemented_spec() -> dict[str, Any]:
    """The merged specs cut down to the operations listed in operations.py (and nothing else)."""
    spec = merged_spec()
    paths: dict[str, Any] = {}
    for method, path in IMPLEMENTED:
        paths.setdefault(path, {})[method.lower()] = spec["paths"][path][method.lower()]
    return {**spec, "paths": paths}


def run_config() -> SchemathesisConfig:
    config = SchemathesisConfig(seed=200)  # a fixed seed: the same run every time
    # The coverage phase enumerates boundary values of every field of these very wide schemas (minutes);
    # the examples and fuzzing phases keep the run bounded and still vary every field.
    config.projects.default.phases.coverage.enabled = False
    return config


SCHEMA = schemathesis.openapi.from_dict(implemented_spec(), config=run_config())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def running() -> Iterator[Sage200Sandbox]:
    box = Sage200Sandbox()
    box.start()
    try:
        yield box
    finally:
        box.stop()


def test_the_run_covers_exactly_the_implemented_operations() -> None:
    operations = [result.ok() for result in SCHEMA.get_all_operations() if isinstance(result, Ok)]
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert labels == {f"{m} {p}" for m, p in IMPLEMENTED}


@SCHEMA.parametrize()
# The Sage schemas are large (sop_order has 150+ properties), so generating an example can be slow
# or big: those health checks are about generation speed, not about the sandbox's answers.
@settings(
    max_examples=20,
    deadline=None,
    database=None,  # no example database written into the work tree: every run is the seeded run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_no_sandbox_response_violates_the_spec(case: schemathesis.Case[Any], running: Sage200Sandbox) -> None:
    if case.method.upper() != case.operation.method.upper():
        # Schemathesis probes methods the (restricted) document leaves out, expecting 405. The full
        # specs define most of them, so the sandbox answers 501 naming the operation, by design
        # (test_sage200_sandbox.py checks that); they are outside this run's scope.
        return
    headers = {
        "Authorization": f"Bearer {running.token}",
        "X-Site": running.site_id,
        "X-Company": running.company_id,
    }
    case.call_and_validate(base_url=running.base_url, headers=headers, checks=CHECKS)
