"""Money is exact: Decimal with a currency, rounding half-up to the minor unit, splits that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopbridge.domain.money import CurrencyMismatch, Money, allocate, minor_units, total


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "GBP", "1.01"),  # half-up, not banker's rounding
        ("1.004", "GBP", "1.00"),
        ("2.5", "JPY", "3"),  # no minor unit
        ("1.2345", "KWD", "1.235"),  # three decimals
        ("-1.005", "EUR", "-1.01"),  # half away from zero on negatives
    ],
)
def test_rounding_is_half_up_to_the_currency_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert Money.of(amount, currency).rounded().amount == Decimal(expected)


def test_adding_two_currencies_is_refused() -> None:
    with pytest.raises(CurrencyMismatch, match="GBP with EUR"):
        Money.of("1", "GBP") + Money.of("1", "EUR")


@pytest.mark.parametrize("bad", ["12.5.1", "abc", ""])
def test_text_that_is_not_an_amount_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a money amount"):
        Money.of(bad, "GBP")


def test_float_amounts_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["gbp", "GB", "G1P"])
def test_currency_must_be_an_iso_code(currency: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), currency)


def test_a_currency_accepted_before_lets_no_malformed_code_through() -> None:
    assert Money(Decimal(1), "GBP").currency == "GBP"  # remembered as well-formed
    for malformed in ("gbp", "GBP ", "GBPX", "GB"):
        with pytest.raises(ValueError, match="ISO 4217"):
            Money(Decimal(1), malformed)
    with pytest.raises(TypeError):
        Money(Decimal(1), None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        ("10.00", ["1", "1", "1"], ["3.34", "3.33", "3.33"]),
        ("0.05", ["1", "1"], ["0.03", "0.02"]),
        ("100", ["3", "1"], ["75.00", "25.00"]),
        ("1000", ["1", "2"], ["333.33", "666.67"]),
    ],
)
def test_allocate_splits_by_weight_with_largest_remainder(
    amount: str, weights: list[str], expected: list[str]
) -> None:
    parts = allocate(Money.of(amount, "GBP"), [Decimal(w) for w in weights])
    assert [p.amount for p in parts] == [Decimal(e) for e in expected]


@given(
    cents=st.integers(min_value=0, max_value=10_000_000),
    weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=12),
)
def test_allocated_parts_always_add_up_to_the_whole(cents: int, weights: list[int]) -> None:
    whole = Money(Decimal(cents) / 100, "GBP")
    parts = allocate(whole, [Decimal(w) for w in weights])
    assert total(parts, "GBP").amount == whole.amount


def test_minor_units_default_to_two() -> None:
    assert minor_units("GBP") == 2
    assert minor_units("JPY") == 0
