"""The stock flow's settings in the domain's terms: buffer rules, location ids, bundles, guard."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shopbridge.config import Settings, ShopSettings
from shopbridge.config.model import BufferRuleSettings, BufferSettings
from shopbridge.domain.stock_buffers import BufferRule, BufferScope, BufferUnit

__all__ = ["StockRules", "buffer_rules", "location_gid", "stock_rules"]

PEAK_CURSOR = "stock.peak"  # "on" while peak mode is on (the store is shared by every process)
BUFFERS_CURSOR = "stock.buffers"  # fingerprint of the buffer rules last applied, per shop


def location_gid(location: str) -> str:
    """A Shopify location id as a GID (config may give the number)."""
    return location if location.startswith("gid://") else f"gid://shopify/Location/{location}"


@dataclass(frozen=True)
class StockRules:
    warehouses: dict[str, tuple[str, ...]]  # location GID -> warehouses feeding it
    rules: tuple[BufferRule, ...]
    bundles: dict[str, dict[str, int]]
    guard_share: float
    guard_min_skus: int


def stock_rules(settings: Settings, shop: ShopSettings) -> StockRules:
    warehouses = {location_gid(loc): codes for loc, codes in shop.stock_warehouses.items()}
    return StockRules(
        warehouses=warehouses,
        rules=tuple(buffer_rules(settings.buffers, warehouses)),
        bundles={sku: dict(parts) for sku, parts in settings.bundles.items()},
        guard_share=settings.stock.drop_guard_share,
        guard_min_skus=settings.stock.drop_guard_min_skus,
    )


def buffer_rules(buffers: BufferSettings, warehouses: dict[str, tuple[str, ...]]) -> list[BufferRule]:
    """The ``[buffers]`` section as rules: the shorthands first, then ``rules`` (a tie goes to the first)."""
    rules = [*(_rule(rule, warehouses) for rule in buffers.rules)]
    rules += [BufferRule(BufferScope.SKU, units, key=sku) for sku, units in buffers.per_sku.items()]
    for key, units in buffers.per_location.items():
        rules += [
            BufferRule(BufferScope.LOCATION, units, location=loc) for loc in _locations(key, warehouses)
        ]
    if buffers.default or buffers.peak_default is not None:
        rules.append(BufferRule(BufferScope.DEFAULT, buffers.default, peak_amount=buffers.peak_default))
    return rules


def _locations(key: str, warehouses: dict[str, tuple[str, ...]]) -> list[str]:
    """A ``per_location`` key: a Shopify location id, or an ERP warehouse code (every location it feeds)."""
    fed = [loc for loc, codes in warehouses.items() if key in codes]
    return fed or [location_gid(key)]


def _rule(rule: BufferRuleSettings, warehouses: dict[str, tuple[str, ...]]) -> BufferRule:
    percent = rule.percent is not None
    amount = rule.percent if rule.percent is not None else rule.units or Decimal(0)
    scope, key = _scope(rule)
    location = location_gid(rule.location) if rule.location else ""
    return BufferRule(
        scope=scope,
        amount=amount,
        unit=BufferUnit.PERCENT if percent else BufferUnit.UNITS,
        key=key,
        location=location,
        peak_amount=rule.peak_percent if percent else rule.peak_units,
    )


def _scope(rule: BufferRuleSettings) -> tuple[BufferScope, str]:
    if rule.sku:
        return BufferScope.SKU, rule.sku
    if rule.collection:
        return BufferScope.COLLECTION, rule.collection
    if rule.product_type:
        return BufferScope.PRODUCT_TYPE, rule.product_type
    return (BufferScope.LOCATION, "") if rule.location else (BufferScope.DEFAULT, "")
