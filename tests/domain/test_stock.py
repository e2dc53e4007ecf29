"""Available to sell, pending units and bundles: table tests, and properties that must always hold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopbridge.domain.stock import (
    PendingLine,
    available_to_sell,
    bundle_figure,
    bundles_containing,
    pending_units,
)
from shopbridge.domain.stock_buffers import BufferRule, BufferScope, BufferUnit, SkuFacts

D = Decimal
LOC = "gid://shopify/Location/1"


@pytest.mark.parametrize(
    ("free", "pending", "rules", "expected"),
    [
        ({"WH1": D(10)}, 0, [], 10),
        ({"WH1": D(10), "WH2": D(5)}, 0, [], 15),  # two warehouses feed one location
        ({"WH1": D(10)}, 3, [], 7),  # units taken in Shopify, not in the ERP yet
        ({"WH1": D(10)}, 3, [BufferRule(BufferScope.DEFAULT, D(2))], 5),
        ({"WH1": D("7.9")}, 0, [], 7),  # whole units: rounded down
        ({"WH1": D(2)}, 5, [], 0),  # never negative
        ({"WH1": D(-4)}, 0, [], 0),  # an ERP's negative free stock sells nothing
        ({"WH1": D(10)}, 0, [BufferRule(BufferScope.DEFAULT, D(15), BufferUnit.PERCENT)], 8),  # ceil(1.5)
        ({}, 0, [], 0),  # no mapped warehouse has any
    ],
)
def test_available_to_sell(
    free: dict[str, Decimal], pending: int, rules: list[BufferRule], expected: int
) -> None:
    figure = available_to_sell(SkuFacts("TEE-S"), LOC, free, pending=pending, rules=rules)
    assert figure.quantity == expected
    assert str(expected) in figure.explain()


def test_peak_mode_uses_the_rules_peak_override() -> None:
    rules = [BufferRule(BufferScope.SKU, D(1), key="TEE-S", peak_amount=D(4))]
    calm = available_to_sell(SkuFacts("TEE-S"), LOC, {"WH1": D(10)}, rules=rules)
    peak = available_to_sell(SkuFacts("TEE-S"), LOC, {"WH1": D(10)}, rules=rules, peak=True)
    assert (calm.quantity, peak.quantity) == (9, 6)
    assert "[peak]" in peak.explain() and "sku TEE-S" in peak.explain()


def test_pending_bundle_units_count_against_its_components() -> None:
    lines = [
        PendingLine("TEE-S", LOC, 2),
        PendingLine("KIT", LOC, 3),
        PendingLine("TEE-S", "gid://shopify/Location/2", 1),
    ]
    found = pending_units(lines, {"KIT": {"TEE-S": 1, "MUG-01": 2}})
    assert found == {
        ("TEE-S", LOC): 5,
        ("MUG-01", LOC): 6,
        ("TEE-S", "gid://shopify/Location/2"): 1,
    }


@pytest.mark.parametrize(
    ("components", "available", "expected", "scarcest"),
    [
        ({"TEE-S": 1, "MUG-01": 1}, {"TEE-S": 5, "MUG-01": 3}, 3, "MUG-01"),
        ({"TEE-S": 2, "MUG-01": 1}, {"TEE-S": 5, "MUG-01": 3}, 2, "TEE-S"),  # floor(5 / 2)
        ({"TEE-S": 1, "MUG-01": 1}, {"TEE-S": 5}, 0, "MUG-01"),  # a component with no figure
        ({"TEE-S": 3}, {"TEE-S": 2}, 0, "TEE-S"),
    ],
)
def test_bundle_follows_its_scarcest_component(
    components: dict[str, int], available: dict[str, int], expected: int, scarcest: str
) -> None:
    figure = bundle_figure("KIT", LOC, components, available)
    assert figure.quantity == expected
    assert figure.bundle is not None and figure.bundle.scarcest == scarcest
    assert f"= {expected}" in figure.explain()


def test_bundles_containing_a_changed_component() -> None:
    bundles = {"KIT": {"TEE-S": 1, "MUG-01": 1}, "DUO": {"MUG-01": 2}, "OTHER": {"BOTTLE-01": 1}}
    assert bundles_containing({"MUG-01"}, bundles) == {"KIT", "DUO"}
    assert bundles_containing({"NOPE"}, bundles) == set()


_free = st.dictionaries(
    st.sampled_from(["WH1", "WH2", "WH3"]),
    st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False, allow_infinity=False),
)
_rule = st.builds(
    BufferRule,
    scope=st.just(BufferScope.DEFAULT),
    amount=st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(list(BufferUnit)),
)


@given(free=_free, pending=st.integers(min_value=0, max_value=10000), rules=st.lists(_rule, max_size=2))
def test_available_is_never_negative_nor_above_free_stock(
    free: dict[str, Decimal], pending: int, rules: list[BufferRule]
) -> None:
    figure = available_to_sell(SkuFacts("S"), LOC, free, pending=pending, rules=rules)
    assert figure.quantity >= 0
    assert figure.quantity <= max(0, sum(free.values(), D(0)))


@given(
    parts=st.dictionaries(
        st.sampled_from(["A", "B", "C", "D"]), st.integers(min_value=1, max_value=12), min_size=1
    ),
    available=st.dictionaries(st.sampled_from(["A", "B", "C", "D"]), st.integers(min_value=0, max_value=500)),
)
def test_a_bundle_never_exceeds_what_any_component_allows(
    parts: dict[str, int], available: dict[str, int]
) -> None:
    figure = bundle_figure("KIT", LOC, parts, available)
    assert figure.quantity >= 0
    for sku, per_bundle in parts.items():
        assert figure.quantity * per_bundle <= available.get(sku, 0)
