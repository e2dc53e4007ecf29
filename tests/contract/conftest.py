"""Discover every ``harness_<vendor>.py`` beside this file and run the contract suite against each.

A harness module exposes ``make_harness() -> ErpHarness`` and may set ``PYTEST_MARKS`` (a tuple of
marks applied to every test run against it, e.g. ``(pytest.mark.tryton,)``). Each test gets a freshly
started ERP: ``harness`` is the started harness, ``erp`` the adapter wired to it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from harness import STANDARD_CUSTOMER_EMAIL, ErpHarness

from shopbridge.domain.records import Customer
from shopbridge.ports.erp import ErpPort

# pytest (rootdir-relative "prepend" imports) puts this folder on sys.path, so harness modules
# import by their bare names.
HERE = Path(__file__).parent


def _harness_modules() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for path in sorted(HERE.glob("harness_*.py")):
        vendor = path.stem.removeprefix("harness_")
        found[vendor] = importlib.import_module(path.stem)
    return found


HARNESSES = _harness_modules()


def _params() -> list[Any]:
    return [
        pytest.param(vendor, id=vendor, marks=tuple(getattr(module, "PYTEST_MARKS", ())))
        for vendor, module in HARNESSES.items()
    ]


@pytest.fixture(params=_params())
def started(request: pytest.FixtureRequest) -> Iterator[tuple[ErpHarness, ErpPort]]:
    made: ErpHarness = HARNESSES[request.param].make_harness()
    port = made.start()
    try:
        yield made, port
    finally:
        made.stop()


@pytest.fixture
def harness(started: tuple[ErpHarness, ErpPort]) -> ErpHarness:
    return started[0]


@pytest.fixture
def erp(started: tuple[ErpHarness, ErpPort]) -> ErpPort:
    """The adapter wired to the started harness."""
    return started[1]


@pytest.fixture
def account(erp: ErpPort) -> str:
    """The ERP account of the standard seeded customer."""
    return erp.find_or_create_customer(Customer(email=STANDARD_CUSTOMER_EMAIL)).account
