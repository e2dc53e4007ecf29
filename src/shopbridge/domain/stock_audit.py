"""The full stock audit's rules: compare what Shopify holds with what shopbridge pushed, pure.

The expected value of a level is its stock snapshot: the last quantity shopbridge pushed for the
(shop, location, inventory item). Shopify's level differs from it only when something else changed
Shopify (an app, a person in the admin, a POS count): that difference is *drift*. The audit sets
the snapshot value back, with ``changeFromQuantity`` the value Shopify reported, so a level that
moves again between the read and the repair is refused by Shopify instead of being overwritten.

Levels Shopify holds that shopbridge never pushed (no snapshot) are not drift: shopbridge has no
figure for them. The report keeps the worst drifts by absolute difference in a bounded heap, so an
audit of any size needs memory for ``worst`` drifts only.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shopbridge.domain.problems import ProblemKind, ProblemReport

__all__ = [
    "AuditReport",
    "Drift",
    "ExpectedLevel",
    "LevelKey",
    "ShopifyLevel",
    "audit_problem",
    "drifts",
]

LevelKey = tuple[str, str]  # (location id, inventory item id), both Shopify GIDs
PROBLEM_ENTITY = "stock_audit"


@dataclass(frozen=True)
class ShopifyLevel:
    """One inventory level as a bulk read reported it: the ``available`` quantity at a location."""

    location_id: str
    inventory_item_id: str
    available: int

    @property
    def key(self) -> LevelKey:
        return (self.location_id, self.inventory_item_id)


@dataclass(frozen=True)
class ExpectedLevel:
    """What shopbridge believes Shopify holds: the last value pushed, and the SKU it was pushed for."""

    quantity: int
    sku: str = ""


@dataclass(frozen=True)
class Drift:
    """A level whose Shopify value differs from the snapshot; the repair sets ``expected`` back."""

    location_id: str
    inventory_item_id: str
    sku: str
    shopify: int
    expected: int

    @property
    def difference(self) -> int:
        """Shopify minus expected: positive when Shopify would sell units shopbridge did not give it."""
        return self.shopify - self.expected


def drifts(levels: Iterable[ShopifyLevel], expected: Mapping[LevelKey, ExpectedLevel]) -> list[Drift]:
    """The levels that differ from their snapshot, in the order read; unsnapshotted levels are skipped."""
    found = []
    for level in levels:
        want = expected.get(level.key)
        if want is not None and want.quantity != level.available:
            found.append(
                Drift(level.location_id, level.inventory_item_id, want.sku, level.available, want.quantity)
            )
    return found


@dataclass
class AuditReport:
    """What one audit of one shop found and did; ``worst`` holds the largest drifts only."""

    shop: str
    worst_limit: int = 10
    levels_read: int = 0
    compared: int = 0
    drift_count: int = 0
    repaired: int = 0
    moved_meanwhile: int = 0  # drifted levels that changed again before the repair: left alone
    _heap: list[tuple[int, str, str, Drift]] = field(default_factory=list, repr=False)

    def add_read(self, levels: int, compared: int) -> None:
        self.levels_read += levels
        self.compared += compared

    def add_drifts(self, found: Iterable[Drift]) -> None:
        for drift in found:
            self.drift_count += 1
            entry = (abs(drift.difference), drift.location_id, drift.inventory_item_id, drift)
            if len(self._heap) < self.worst_limit:
                heapq.heappush(self._heap, entry)
            elif entry[:3] > self._heap[0][:3]:
                heapq.heapreplace(self._heap, entry)

    @property
    def worst(self) -> list[Drift]:
        """The largest drifts by absolute difference, largest first."""
        return [entry[3] for entry in sorted(self._heap, key=lambda e: e[:3], reverse=True)]

    def as_dict(self) -> dict[str, object]:
        return {
            "shop": self.shop,
            "levels_read": self.levels_read,
            "compared": self.compared,
            "drift": self.drift_count,
            "repaired": self.repaired,
            "moved_meanwhile": self.moved_meanwhile,
            "worst": [_drift_view(d) for d in self.worst],
        }


def _drift_view(drift: Drift) -> dict[str, object]:
    return {
        "sku": drift.sku,
        "location_id": drift.location_id,
        "inventory_item_id": drift.inventory_item_id,
        "shopify": drift.shopify,
        "expected": drift.expected,
        "difference": drift.difference,
    }


def audit_problem(report: AuditReport) -> ProblemReport | None:
    """One STOCK_MISMATCH per shop and audit run that found drift (none when Shopify agreed).

    One summary, not one problem per SKU: drift is repaired by the audit itself, so operations need
    the size of it and where it was worst (a sign of another app or a person writing stock), not a
    queue of items to work through. Repeats of the open problem raise its count.
    """
    if report.drift_count == 0:
        return None
    worst = ", ".join(f"{d.sku or d.inventory_item_id} ({d.difference:+d})" for d in report.worst[:5])
    message = (
        f"The stock audit of {report.shop} found {report.drift_count} level(s) that differ from what "
        f"shopbridge pushed; {report.repaired} repaired, {report.moved_meanwhile} changed again "
        f"meanwhile. Worst: {worst}."
    )
    return ProblemReport(
        kind=ProblemKind.STOCK_MISMATCH,
        entity_type=PROBLEM_ENTITY,
        entity_id=report.shop,
        message=message,
        tried="set each level back to the last value shopbridge pushed (compare-and-swap)",
        resolution="Find what else writes stock in Shopify (an app, staff edits, POS counts).",
        details=report.as_dict(),
        shop=report.shop,
    )
