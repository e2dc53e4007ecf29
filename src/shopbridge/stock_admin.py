"""What the CLI and the dashboard may ask and do about stock: peak mode, and why a SKU shows a figure.

Peak mode is one row in the store (the ``stock.peak`` cursor), so every process sees it: the faster
``[schedules] erp_stock_peak`` sweep runs only while it is on, and buffers switch to their peak
figures. Turning it on or off is audited and queues a sweep of the SKUs whose buffer changes with it.
``explain`` recomputes a SKU's figures from what the store holds (the ERP's levels as last read,
pending order units, the buffer rules) without calling the ERP or Shopify.
"""

from __future__ import annotations

from dataclasses import dataclass

from shopbridge.admin import Services
from shopbridge.config import Settings
from shopbridge.domain.stock import StockFigure, StockItem, pending_units
from shopbridge.domain.stock_buffers import BufferRule, SkuFacts, choose_rule
from shopbridge.engine import audit, queue
from shopbridge.engine.uow import StoreTransaction, StoreUnitOfWork
from shopbridge.errors import BadInput
from shopbridge.flows.stock_kits import stored_kits, with_kits
from shopbridge.flows.stock_settings import PEAK_CURSOR, stock_rules
from shopbridge.flows.stock_to_shopify import KIND, compute_figures

__all__ = ["LocationExplanation", "explain", "is_peak", "set_peak"]


@dataclass(frozen=True)
class LocationExplanation:
    """One SKU at one location of one store: the figure, how it was reached, and what Shopify got."""

    shop: str
    location: str
    warehouses: tuple[str, ...]
    figure: StockFigure
    last_pushed: int | None
    components: tuple[StockFigure, ...] = ()


def is_peak(services: Services) -> bool:
    with StoreUnitOfWork(services.store, services.clock).begin() as tx:
        return tx.cursor(PEAK_CURSOR) == "on"


def set_peak(services: Services, settings: Settings, on: bool, *, actor: str) -> int:
    """Turn peak mode on or off; returns how many SKUs were queued for a new figure."""
    queued = 0
    with StoreUnitOfWork(services.store, services.clock).begin() as tx:
        tx.set_cursor(PEAK_CURSOR, "on" if on else "off")
        now = tx.now
        for shop in settings.shops:
            rules = stock_rules(settings, shop)
            items = tx.stock_items(shop.name)
            skus = sorted(
                sku
                for sku, item in items.items()
                for location in rules.warehouses
                if _peak_differs(choose_rule(rules.rules, _facts_of(item), location))
            )
            if skus:
                payload = {"skus": sorted(set(skus)), "source": "peak"}
                queue.enqueue(
                    tx.conn, KIND, payload, dedup_key=f"{KIND}:peak:{shop.name}", shop=shop.name, now=now
                )
                queued += len(set(skus))
        audit.record(
            tx.conn,
            actor=actor,
            action="peak_on" if on else "peak_off",
            entity_type="stock",
            entity_id="peak",
            detail={"queued_skus": queued},
            now=now,
        )
    return queued


def _facts_of(item: StockItem) -> SkuFacts:
    return SkuFacts(item.sku, item.product_type, item.collections)


def _peak_differs(rule: BufferRule | None) -> bool:
    return rule is not None and rule.peak_amount is not None


def explain(services: Services, settings: Settings, sku: str) -> list[LocationExplanation]:
    """The SKU's figure at every location of every store, with its inputs."""
    peak = is_peak(services)
    found: list[LocationExplanation] = []
    for shop in settings.shops:
        with StoreUnitOfWork(services.store, services.clock).begin() as tx:
            rules = with_kits(stock_rules(settings, shop), stored_kits(tx, shop.name))
        parts = tuple(sorted(rules.bundles.get(sku, {})))
        with StoreUnitOfWork(services.store, services.clock).begin() as tx:
            items = tx.stock_items(shop.name)
            levels = tx.erp_free([sku, *parts])
            lines = [line for order in tx.pending_lines(shop.name).values() for line in order]
            pushed = _pushed(tx, shop.name, items.get(sku), list(rules.warehouses))
        if not levels and sku not in items and sku not in rules.bundles:
            continue
        figures = compute_figures(
            rules, {sku, *parts}, levels, pending_units(lines, rules.bundles), items, peak=peak
        )
        for location, warehouses in rules.warehouses.items():
            found.append(
                LocationExplanation(
                    shop=shop.name,
                    location=location,
                    warehouses=warehouses,
                    figure=figures[(sku, location)],
                    last_pushed=pushed.get(location),
                    components=tuple(figures[(part, location)] for part in parts),
                )
            )
    if not found:
        raise BadInput(f"shopbridge knows no stock of {sku}: no ERP level read and no Shopify variant seen")
    return found


def _pushed(tx: StoreTransaction, shop: str, item: StockItem | None, locations: list[str]) -> dict[str, int]:
    if item is None:
        return {}
    found: dict[str, int] = {}
    for location in locations:
        quantity = tx.last_pushed(shop, location, [item.inventory_item_id]).get(item.inventory_item_id)
        if quantity is not None:
            found[location] = quantity
    return found
