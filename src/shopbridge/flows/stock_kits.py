"""ERP kits as stock bundles: a kit the ERP defines (``Item.is_kit`` with components) sells as many as
its scarcest component allows, exactly as a ``[bundles]`` entry does; config wins where both define one.

The catalogue sweep reads the ERP item of every SKU Shopify sells, so it is where kits are learned: it
keeps the kits it found (per shop, in the ``cursors`` table as JSON: ``stock.kits:<shop>``). The stock
sweep merges them under the configured bundles and recomputes a kit whose definition changed since
it last pushed (``stock.kits.pushed:<shop>``), so a new or changed kit reaches Shopify within one
stock sweep of the catalogue sweep that found it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace

from shopbridge.domain.records import Item
from shopbridge.flows.spec import FlowContext
from shopbridge.flows.stock_settings import StockRules
from shopbridge.ports.erp import Capability
from shopbridge.ports.store import Transaction

__all__ = ["keep_pushed", "kits_moved", "learn", "stored_kits", "with_kits"]

Kits = dict[str, dict[str, int]]  # kit SKU -> component SKU -> units per kit
LEARNED = "stock.kits"
PUSHED = "stock.kits.pushed"


def learn(ctx: FlowContext, items: Mapping[str, Item], *, whole: bool = True) -> None:
    """Keep the kits among ``items``: with ``whole`` (every SKU Shopify sells) the whole set, replacing
    the last; otherwise (an incremental catalogue sweep) only the kits of these SKUs change."""
    if Capability.KITS not in ctx.erp.capabilities:
        return
    found = {
        sku: {c.sku: c.quantity for c in item.components}
        for sku, item in items.items()
        if item.is_kit and item.components
    }
    with ctx.uow.begin() as tx:
        before = _decode(tx.cursor(f"{LEARNED}:{ctx.shop.name}"))
        if not whole:
            found = {sku: parts for sku, parts in before.items() if sku not in items} | found
        if before != found:
            tx.set_cursor(f"{LEARNED}:{ctx.shop.name}", _encode(found))


def stored_kits(tx: Transaction, shop: str) -> Kits:
    return _decode(tx.cursor(f"{LEARNED}:{shop}"))


def with_kits(rules: StockRules, kits: Mapping[str, Mapping[str, int]]) -> StockRules:
    """The rules with the ERP's kits as bundles; a bundle in config overrides a kit of the same SKU."""
    merged = {sku: dict(parts) for sku, parts in kits.items()}
    return replace(rules, bundles={**merged, **rules.bundles})


def kits_moved(ctx: FlowContext, kits: Kits) -> set[str]:
    """Kit SKUs whose definition changed since a stock sweep last pushed with them."""
    with ctx.uow.begin() as tx:
        before = _decode(tx.cursor(f"{PUSHED}:{ctx.shop.name}"))
    return {sku for sku in kits.keys() | before.keys() if kits.get(sku) != before.get(sku)}


def keep_pushed(ctx: FlowContext, kits: Kits) -> None:
    """The kits a sweep pushed with (not kept when the push was held: the next sweep sees them again)."""
    with ctx.uow.begin() as tx:
        if _decode(tx.cursor(f"{PUSHED}:{ctx.shop.name}")) != kits:
            tx.set_cursor(f"{PUSHED}:{ctx.shop.name}", _encode(kits))


def _encode(kits: Kits) -> str:
    return json.dumps(kits, sort_keys=True, separators=(",", ":"))


def _decode(text: str | None) -> Kits:
    if not text:
        return {}
    raw = json.loads(text)
    return {str(sku): {str(c): int(q) for c, q in parts.items()} for sku, parts in raw.items()}
