"""Available to sell: the figure shopbridge gives Shopify for one SKU at one Shopify location.

    available = floor(ERP free stock over the warehouses mapped to the location
                      - units of orders Shopify took that the ERP does not have yet
                      - the safety buffer (``stock_buffers``))
    and never below zero.

A virtual bundle has no stock of its own: at each location it is the minimum, over its components,
of floor(component available / quantity per bundle), so it follows its scarcest component. Each
figure carries the way it was reached (:class:`StockFigure`), which ``shopbridge stock explain``
prints.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shopbridge.domain.stock_buffers import BufferRule, SkuFacts, choose_rule, held_units

__all__ = [
    "BundleMath",
    "PendingLine",
    "StockFigure",
    "StockItem",
    "available_to_sell",
    "bundle_figure",
    "bundles_containing",
    "pending_units",
]


@dataclass(frozen=True)
class BundleMath:
    """A bundle's figure: per component, its available, the quantity per bundle and bundles it allows."""

    components: tuple[tuple[str, int, int, int], ...]  # (sku, available, per bundle, bundles)
    scarcest: str


@dataclass(frozen=True)
class StockFigure:
    """One SKU at one Shopify location: the figure and every input that made it."""

    sku: str
    location: str
    quantity: int
    free_by_warehouse: Mapping[str, Decimal] = field(default_factory=dict)
    pending: int = 0
    buffer: Decimal = Decimal(0)
    rule: BufferRule | None = None
    peak: bool = False
    bundle: BundleMath | None = None

    @property
    def free(self) -> Decimal:
        return sum(self.free_by_warehouse.values(), Decimal(0))

    def explain(self) -> str:
        """How the figure was reached, in one line."""
        if self.bundle is not None:
            parts = ", ".join(f"{s}: {a} // {q} = {b}" for s, a, q, b in self.bundle.components)
            return f"bundle: min({parts}) = {self.quantity} (scarcest {self.bundle.scarcest})"
        rule = "no buffer rule" if self.rule is None else f"buffer {self.rule.describe()}"
        mode = " [peak]" if self.peak else ""
        return (
            f"free {self.free} - pending {self.pending} - buffer {self.buffer} ({rule}{mode})"
            f" = {self.quantity}"
        )


@dataclass(frozen=True)
class StockItem:
    """A Shopify variant as the stock push sees it: its SKU, inventory item and product type."""

    sku: str
    variant_id: str
    inventory_item_id: str
    product_type: str = ""
    collections: tuple[str, ...] = ()  # the handles of its product's collections


@dataclass(frozen=True)
class PendingLine:
    """Units of an order Shopify took that the ERP does not hold yet (waiting or quarantined)."""

    sku: str
    location: str
    quantity: int


def pending_units(
    lines: Sequence[PendingLine], bundles: Mapping[str, Mapping[str, int]]
) -> dict[tuple[str, str], int]:
    """Pending units per (SKU, location); a bundle's units count against its components."""
    found: dict[tuple[str, str], int] = {}
    for line in lines:
        parts = bundles.get(line.sku) or {line.sku: 1}
        for component, per_bundle in parts.items():
            key = (component, line.location)
            found[key] = found.get(key, 0) + line.quantity * per_bundle
    return found


def available_to_sell(
    facts: SkuFacts,
    location: str,
    free_by_warehouse: Mapping[str, Decimal],
    *,
    pending: int = 0,
    rules: Sequence[BufferRule] = (),
    peak: bool = False,
) -> StockFigure:
    """The figure for one stocked SKU at one location, with its explanation."""
    free = sum(free_by_warehouse.values(), Decimal(0))
    rule = choose_rule(rules, facts, location)
    buffer = held_units(rule, free, peak=peak)
    quantity = max(0, math.floor(free - pending - buffer))
    return StockFigure(
        sku=facts.sku,
        location=location,
        quantity=quantity,
        free_by_warehouse=dict(free_by_warehouse),
        pending=pending,
        buffer=buffer,
        rule=rule,
        peak=peak,
    )


def bundle_figure(
    sku: str, location: str, components: Mapping[str, int], available: Mapping[str, int]
) -> StockFigure:
    """A virtual bundle at one location: its scarcest component decides (a missing one counts 0)."""
    rows = tuple(
        (part, available.get(part, 0), per, available.get(part, 0) // per)
        for part, per in sorted(components.items())
    )
    if not rows:
        return StockFigure(sku=sku, location=location, quantity=0)
    scarcest = min(rows, key=lambda row: row[3])
    return StockFigure(
        sku=sku, location=location, quantity=max(0, scarcest[3]), bundle=BundleMath(rows, scarcest[0])
    )


def bundles_containing(skus: set[str], bundles: Mapping[str, Mapping[str, int]]) -> set[str]:
    """The bundles that hold any of ``skus`` as a component (their figure moves with it)."""
    return {bundle for bundle, parts in bundles.items() if skus.intersection(parts)}
