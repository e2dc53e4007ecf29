"""Exact money: a ``Decimal`` amount with an ISO 4217 currency.

Why not floats: 0.1 + 0.2 != 0.3, and a journal that is out by a penny does not balance.
Rounding is half-up to the currency's minor unit (Shopify's own convention for order money);
Shopify's amounts are carried as they come, never recomputed, so rounding only happens where we
split or allocate (see :func:`allocate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Minor units that differ from 2 (ISO 4217). Everything else has two decimals.
_MINOR_UNITS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
    "HUF": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def minor_units(currency: str) -> int:
    """Number of decimals of ``currency`` (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


# Currency codes already found well-formed (three upper-case letters: at most 26^3 of them).
_WELL_FORMED: set[str] = set()


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True, order=False)
class Money:
    """An exact amount in one currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be Decimal, got {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise ValueError(f"Money amount must be finite, got {self.amount}")
        if self.currency in _WELL_FORMED:  # a day's read makes hundreds of thousands in one currency
            return
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"currency must be an ISO 4217 code like 'GBP', got {self.currency!r}")
        _WELL_FORMED.add(self.currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Parse an amount given as text (as Shopify and the ERPs send it)."""
        if isinstance(amount, float):
            raise TypeError("Money.of refuses float: pass the amount as a string")
        try:
            return cls(Decimal(amount), currency.upper())
        except InvalidOperation as exc:
            raise ValueError(f"not a money amount: {amount!r}") from exc

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        """Half-up to the currency's minor unit."""
        quantum = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{self.rounded().amount} {self.currency}"


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum of ``amounts``; an empty sum is zero in ``currency``."""
    result = Money.zero(currency)
    for item in amounts:
        result = result + item
    return result


def allocate(amount: Money, weights: Sequence[Decimal]) -> list[Money]:
    """Split ``amount`` in proportion to ``weights`` so the parts add up exactly.

    Each part is rounded down to the minor unit; the pennies left over go one each to the parts
    with the largest remainders (largest-remainder method), earliest first on ties, so the split is
    deterministic and the sum is always the whole.
    """
    if not weights or sum(weights) <= 0:
        raise ValueError("allocate needs at least one positive weight")
    units = minor_units(amount.currency)
    scale = Decimal(10) ** units
    whole = int((amount.rounded().amount * scale).to_integral_value())
    weight_sum = sum(weights)
    raw = [Decimal(whole) * w / weight_sum for w in weights]
    floors = [int(r // 1) for r in raw]
    left = whole - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Money(Decimal(f) / scale, amount.currency) for f in floors]
