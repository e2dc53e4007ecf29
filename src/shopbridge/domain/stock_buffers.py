"""Safety buffers: how many units of a SKU shopbridge holds back from Shopify at a location.

A rule names what it covers (one SKU, a collection, a product type, or everything) and optionally
one Shopify location; it holds back a number of units or a percentage of the ERP's free stock, with
an optional override while peak mode is on. The most specific rule wins, in this order (first match):

    SKU at the location, SKU anywhere, collection at the location, collection anywhere,
    product type at the location, product type anywhere, the location's rule, the default

Specificity, not size, decides: a merchant who writes a rule for one SKU means that SKU, even when a
broader rule would hold back more. Percentages round the held units *up*, since the point is to not
oversell.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "BufferRule",
    "BufferScope",
    "BufferUnit",
    "SkuFacts",
    "applies_to",
    "choose_rule",
    "held_units",
    "rules_fingerprint",
    "rules_from_text",
    "rules_to_text",
    "skus_affected",
]


class BufferScope(StrEnum):
    """What a rule covers, most specific first."""

    SKU = "sku"
    COLLECTION = "collection"
    PRODUCT_TYPE = "product_type"
    LOCATION = "location"
    DEFAULT = "default"


class BufferUnit(StrEnum):
    UNITS = "units"
    PERCENT = "percent"


@dataclass(frozen=True)
class SkuFacts:
    """What a rule may match on: the SKU, its product's type and collections (from Shopify)."""

    sku: str
    product_type: str = ""
    collections: tuple[str, ...] = ()


@dataclass(frozen=True)
class BufferRule:
    """Hold back ``amount`` (units or percent) of a SKU; ``peak_amount`` instead while peak mode is on.

    ``key`` is the SKU, collection handle or product type (empty for the location and default rules);
    ``location`` narrows the rule to one Shopify location ('' = every location).
    """

    scope: BufferScope
    amount: Decimal
    unit: BufferUnit = BufferUnit.UNITS
    key: str = ""
    location: str = ""
    peak_amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.amount < 0 or (self.peak_amount is not None and self.peak_amount < 0):
            raise ValueError(f"buffer rule {self.describe()}: a buffer cannot be negative")
        if self.unit is BufferUnit.PERCENT and max(self.amount, self.peak_amount or 0) > 100:
            raise ValueError(f"buffer rule {self.describe()}: a percentage is at most 100")
        if self.scope is BufferScope.LOCATION and not self.location:
            raise ValueError("a location buffer rule names its location")

    def amount_for(self, *, peak: bool) -> Decimal:
        return self.peak_amount if peak and self.peak_amount is not None else self.amount

    def describe(self) -> str:
        """The rule as a person reads it: ``sku TEE-S at gid://.../1: 2 units (peak 5)``."""
        what = self.scope.value if not self.key else f"{self.scope.value} {self.key}"
        where = f" at {self.location}" if self.location and self.scope is not BufferScope.LOCATION else ""
        if self.scope is BufferScope.LOCATION:
            what = f"location {self.location}"
        sign = "%" if self.unit is BufferUnit.PERCENT else " units"
        peak = "" if self.peak_amount is None else f" (peak {self.peak_amount}{sign})"
        return f"{what}{where}: {self.amount}{sign}{peak}"


_RANK = {
    BufferScope.SKU: 0,
    BufferScope.COLLECTION: 2,
    BufferScope.PRODUCT_TYPE: 4,
    BufferScope.LOCATION: 6,
    BufferScope.DEFAULT: 7,
}


def _specificity(rule: BufferRule) -> int:
    """Lower is more specific: a scoped rule at one location beats the same scope everywhere."""
    rank = _RANK[rule.scope]
    if rule.scope in (BufferScope.LOCATION, BufferScope.DEFAULT):
        return rank
    return rank if rule.location else rank + 1


def applies_to(rule: BufferRule, facts: SkuFacts, location: str) -> bool:
    """Whether ``rule`` covers this SKU at this location."""
    if rule.location and rule.location != location:
        return False
    if rule.scope is BufferScope.SKU:
        return rule.key == facts.sku
    if rule.scope is BufferScope.COLLECTION:
        return rule.key in facts.collections
    if rule.scope is BufferScope.PRODUCT_TYPE:
        return bool(facts.product_type) and rule.key == facts.product_type
    return True


def choose_rule(rules: Sequence[BufferRule], facts: SkuFacts, location: str) -> BufferRule | None:
    """The most specific rule covering the SKU at the location; on a tie, the one listed first."""
    matching = [rule for rule in rules if applies_to(rule, facts, location)]
    return min(matching, key=_specificity, default=None)


def held_units(rule: BufferRule | None, free: Decimal, *, peak: bool) -> Decimal:
    """Units the rule holds back from ``free`` (percentages of the free stock, rounded up)."""
    if rule is None:
        return Decimal(0)
    amount = rule.amount_for(peak=peak)
    if rule.unit is BufferUnit.UNITS:
        return amount
    return Decimal(math.ceil(max(free, Decimal(0)) * amount / 100))


def rules_fingerprint(rules: Sequence[BufferRule]) -> str:
    """A stable digest of the rules, so a start-up can tell whether the buffers changed."""
    return hashlib.sha256(json.dumps(_rule_rows(rules), sort_keys=True).encode()).hexdigest()[:32]


def _rule_rows(rules: Sequence[BufferRule]) -> list[list[str]]:
    return sorted(
        [r.scope.value, r.key, r.location, r.unit.value, str(r.amount), str(r.peak_amount)] for r in rules
    )


def skus_affected(
    before: Sequence[BufferRule],
    after: Sequence[BufferRule],
    facts: Sequence[SkuFacts],
    locations: Sequence[str],
) -> set[str]:
    """The SKUs whose chosen rule (or its figures) differs between two rule sets at some location."""
    changed: set[str] = set()
    for sku_facts in facts:
        for location in locations:
            if choose_rule(before, sku_facts, location) != choose_rule(after, sku_facts, location):
                changed.add(sku_facts.sku)
                break
    return changed


def rules_to_text(rules: Sequence[BufferRule]) -> str:
    """The rules as stored text, so the next start can tell which SKUs a change affects."""
    return json.dumps(_rule_rows(rules))


def rules_from_text(text: str) -> list[BufferRule]:
    rows = json.loads(text)
    return [
        BufferRule(
            scope=BufferScope(scope),
            key=key,
            location=location,
            unit=BufferUnit(unit),
            amount=Decimal(amount),
            peak_amount=None if peak == "None" else Decimal(peak),
        )
        for scope, key, location, unit, amount, peak in rows
    ]
