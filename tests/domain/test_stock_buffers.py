"""Safety buffer rules: the most specific wins; units or percent; peak overrides; what a change affects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopbridge.domain.stock_buffers import (
    BufferRule,
    BufferScope,
    BufferUnit,
    SkuFacts,
    choose_rule,
    held_units,
    rules_fingerprint,
    skus_affected,
)

D = Decimal
L1, L2 = "gid://shopify/Location/1", "gid://shopify/Location/2"
RULES = [
    BufferRule(BufferScope.DEFAULT, D(1)),
    BufferRule(BufferScope.LOCATION, D(2), location=L2),
    BufferRule(BufferScope.PRODUCT_TYPE, D(3), key="Mugs"),
    BufferRule(BufferScope.PRODUCT_TYPE, D(4), key="Mugs", location=L2),
    BufferRule(BufferScope.COLLECTION, D(5), key="summer"),
    BufferRule(BufferScope.SKU, D(6), key="TEE-S"),
    BufferRule(BufferScope.SKU, D(7), key="TEE-S", location=L2),
]


@pytest.mark.parametrize(
    ("facts", "location", "expected"),
    [
        (SkuFacts("OTHER"), L1, D(1)),  # the default
        (SkuFacts("OTHER"), L2, D(2)),  # the location's rule beats the default
        (SkuFacts("MUG-01", product_type="Mugs"), L1, D(3)),  # product type beats location and default
        (SkuFacts("MUG-01", product_type="Mugs"), L2, D(4)),  # ... and at its location, more so
        (SkuFacts("MUG-01", "Mugs", ("summer",)), L2, D(5)),  # a collection beats a product type
        (SkuFacts("TEE-S", "Mugs", ("summer",)), L1, D(6)),  # a SKU beats everything
        (SkuFacts("TEE-S", "Mugs", ("summer",)), L2, D(7)),  # a SKU at the location most of all
    ],
)
def test_most_specific_rule_wins(facts: SkuFacts, location: str, expected: Decimal) -> None:
    rule = choose_rule(RULES, facts, location)
    assert rule is not None and rule.amount == expected


def test_no_rules_hold_nothing() -> None:
    assert choose_rule([], SkuFacts("A"), L1) is None
    assert held_units(None, D(10), peak=False) == 0


@pytest.mark.parametrize(
    ("rule", "free", "peak", "expected"),
    [
        (BufferRule(BufferScope.DEFAULT, D(3)), D(10), False, D(3)),
        (BufferRule(BufferScope.DEFAULT, D(10), BufferUnit.PERCENT), D(25), False, D(3)),  # 2.5 up
        (BufferRule(BufferScope.DEFAULT, D(10), BufferUnit.PERCENT), D(-5), False, D(0)),
        (BufferRule(BufferScope.DEFAULT, D(3), peak_amount=D(8)), D(10), True, D(8)),
        (BufferRule(BufferScope.DEFAULT, D(3)), D(10), True, D(3)),  # no override: the rule as is
    ],
)
def test_held_units(rule: BufferRule, free: Decimal, peak: bool, expected: Decimal) -> None:
    assert held_units(rule, free, peak=peak) == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"scope": BufferScope.DEFAULT, "amount": D(-1)},
        {"scope": BufferScope.DEFAULT, "amount": D(101), "unit": BufferUnit.PERCENT},
        {"scope": BufferScope.LOCATION, "amount": D(1)},
    ],
)
def test_a_rule_that_cannot_be_meant_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BufferRule(**bad)  # type: ignore[arg-type]


def test_a_changed_rule_affects_only_the_skus_it_covers() -> None:
    facts = [SkuFacts("TEE-S"), SkuFacts("MUG-01", product_type="Mugs"), SkuFacts("BOTTLE-01")]
    after = [*RULES[:2], BufferRule(BufferScope.PRODUCT_TYPE, D(9), key="Mugs"), *RULES[3:]]
    assert skus_affected(RULES, after, facts, [L1, L2]) == {"MUG-01"}
    assert rules_fingerprint(RULES) != rules_fingerprint(after)
    assert rules_fingerprint(RULES) == rules_fingerprint(list(reversed(RULES)))
