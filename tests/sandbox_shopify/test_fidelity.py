"""Fidelity: the recorded captures replayed against the sandbox over HTTP match (or differ only as
documented in FIDELITY.md and ``KNOWN_DIFFERENCES``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_orders_harness import CAPTURES, TOKEN

from shopbridge.sandbox.shopify.fidelity import Difference, Replay, compare
from shopbridge.sandbox.shopify.fidelity_cases import CASES, KNOWN_DIFFERENCES
from shopbridge.sandbox.shopify.server import Sandbox, SandboxServer, SandboxSettings

FIDELITY_MD = (
    Path(__file__).resolve().parents[2] / "src" / "shopbridge" / "sandbox" / "shopify" / "FIDELITY.md"
)


def _replay(name: str) -> dict[str, list[Difference]]:
    path, case = CASES[name]
    capture = json.loads((CAPTURES / path).read_text(encoding="utf-8"))
    server = SandboxServer(Sandbox(SandboxSettings()))
    base = server.start()
    try:
        with httpx.Client(base_url=base, timeout=10) as http:

            def post(payload: dict[str, Any]) -> dict[str, Any]:
                response = http.post(
                    "/admin/api/2026-07/graphql.json", json=payload, headers={"X-Shopify-Access-Token": TOKEN}
                )
                body: dict[str, Any] = response.json()
                return body

            return case(Replay(post), capture, server.state)
    finally:
        server.stop()


@pytest.mark.parametrize("name", sorted(CASES))
def test_replayed_capture_matches_except_for_documented_differences(name: str) -> None:
    steps = _replay(name)
    assert steps
    for step, diffs in steps.items():
        expected = KNOWN_DIFFERENCES.get((name, step), ())
        assert tuple(f"{d.kind} {d.path}" for d in diffs) == expected, [str(d) for d in diffs]


def test_fidelity_md_names_every_replayed_capture() -> None:
    text = FIDELITY_MD.read_text(encoding="utf-8")
    missing = [name for name in CASES if f"`{name}`" not in text]
    assert not missing


@pytest.mark.parametrize(
    ("recorded", "sandbox", "expected"),
    [
        ({"a": 1}, {"a": 2}, []),  # plain values are not compared
        ({"quantity": 1}, {"quantity": 2}, ["value quantity"]),
        ({"a": 1}, {"b": 1}, ["shape a", "shape b"]),
        ({"a": {"x": 1}}, {"a": None}, ["type a"]),
        (
            {"m": {"amount": "1.0", "currencyCode": "CAD"}},
            {"m": {"amount": "1.00", "currencyCode": "CAD"}},
            ["money m"],
        ),
        ({"l": [1, 2]}, {"l": [1]}, ["shape l"]),
    ],
)
def test_compare_reports_shape_type_money_and_value_differences(
    recorded: Any, sandbox: Any, expected: list[str]
) -> None:
    assert [f"{d.kind} {d.path}" for d in compare(recorded, sandbox)] == expected
