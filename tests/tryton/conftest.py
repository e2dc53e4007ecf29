"""Fixtures of the Tryton tests: one real ``trytond`` per test module (see ``tryton_server.py``),
started through the contract suite's harness so the levers (despatch, add an item) are the same."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import TrytonErp
from shopbridge.domain.records import Customer

CONTRACT = Path(__file__).resolve().parents[1] / "contract"


def load_contract(name: str) -> ModuleType:
    """A module of tests/contract (not a package; its folder is put on sys.path as pytest would)."""
    if str(CONTRACT) not in sys.path:
        sys.path.insert(0, str(CONTRACT))
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CONTRACT / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def started() -> Iterator[tuple[Any, TrytonErp]]:
    harness = load_contract("harness_tryton").make_harness()
    erp = harness.start()
    try:
        yield harness, erp
    finally:
        harness.stop()


@pytest.fixture
def harness(started: tuple[Any, TrytonErp]) -> Any:
    return started[0]


@pytest.fixture
def erp(started: tuple[Any, TrytonErp]) -> TrytonErp:
    return started[1]


@pytest.fixture
def support() -> ModuleType:
    """``contract_support``: order, credit note and payout builders at the standard prices."""
    return load_contract("contract_support")


@pytest.fixture
def account(erp: TrytonErp) -> str:
    return erp.find_or_create_customer(Customer(email="existing@example.com")).account
