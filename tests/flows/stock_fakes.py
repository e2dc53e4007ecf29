"""An in-memory Shopify inventory for the stock flow's tests: levels per (item, location), the calls
made, and a hand that moves a level behind shopbridge's back (what a person in the admin does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shopbridge.domain.order_stock_lines import OrderStockLines
from shopbridge.domain.records import Order
from shopbridge.domain.stock import StockItem
from shopbridge.ports.shopify import LevelWrite

LOC1 = "gid://shopify/Location/1"
LOC2 = "gid://shopify/Location/2"


@dataclass
class FakeInventory:
    """Shopify's inventory as the stock flow sees it. ``default_location`` stocks every new item there
    (available 0), as the real ``productCreate`` does; ``None`` stocks it nowhere."""

    default_location: str | None = LOC1
    variants: list[StockItem] = field(default_factory=list)
    levels: dict[tuple[str, str], int] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    sets: list[list[LevelWrite]] = field(default_factory=list)
    activations: list[tuple[str, str]] = field(default_factory=list)
    stale_answers: int = 0
    written: list[tuple[str, str]] = field(default_factory=list)
    keys: dict[str, tuple[list[LevelWrite], list[LevelWrite]]] = field(default_factory=dict)

    def add_variant(self, sku: str, product_type: str = "") -> StockItem:
        number = len(self.variants) + 1
        item = StockItem(
            sku,
            f"gid://shopify/ProductVariant/{number}",
            f"gid://shopify/InventoryItem/{number}",
            product_type,
        )
        self.variants.append(item)
        if self.default_location is not None:
            self.levels[(item.inventory_item_id, self.default_location)] = 0
        return item

    def held(self, sku: str, location: str = LOC1) -> int | None:
        item = next(v for v in self.variants if v.sku == sku)
        return self.levels.get((item.inventory_item_id, location))

    def interfere(self, sku: str, location: str, quantity: int) -> None:
        item = next(v for v in self.variants if v.sku == sku)
        self.levels[(item.inventory_item_id, location)] = quantity

    # -- ShopifyPort -------------------------------------------------------------------------------
    def order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def record_erp_order(self, order_id: str, erp_number: str) -> None:
        self.written.append((order_id, erp_number))

    # -- ShopifyInventoryPort ------------------------------------------------------------------------
    def stock_items(self, skus: Sequence[str]) -> list[StockItem]:
        return [v for v in self.variants if v.sku in set(skus)]

    def available_levels(self, inventory_item_ids: Sequence[str], location_id: str) -> dict[str, int | None]:
        return {item: self.levels.get((item, location_id)) for item in inventory_item_ids}

    def activate_inventory(self, inventory_item_id: str, location_id: str) -> int:
        self.activations.append((inventory_item_id, location_id))
        return self.levels.setdefault((inventory_item_id, location_id), 0)

    def set_available(self, writes: Sequence[LevelWrite], *, key: str) -> list[LevelWrite]:
        """As Shopify's ``@idempotent``: a key seen before replays its first answer, and is refused
        with other variables (IDEMPOTENCY_KEY_PARAMETER_MISMATCH)."""
        assert len(writes) <= 250
        if key in self.keys:
            sent, answer = self.keys[key]
            assert sent == list(writes), f"IDEMPOTENCY_KEY_PARAMETER_MISMATCH: key {key} reused"
            return answer
        answer = self._apply(writes)
        self.keys[key] = (list(writes), answer)
        return answer

    def _apply(self, writes: Sequence[LevelWrite]) -> list[LevelWrite]:
        self.sets.append(list(writes))
        for w in writes:
            assert (w.inventory_item_id, w.location_id) in self.levels, "ITEM_NOT_STOCKED_AT_LOCATION"
        stale = [w for w in writes if self.levels[(w.inventory_item_id, w.location_id)] != w.expected]
        if stale:
            self.stale_answers += 1
            return stale  # all or nothing, as Shopify
        for w in writes:
            self.levels[(w.inventory_item_id, w.location_id)] = w.quantity
        return []


@dataclass
class BatchedInventory(FakeInventory):
    """The same inventory offering ``ShopifyPendingOrderReads`` too: many orders' stock lines a call.
    Records each call's ids, and each whole order read (the flow should need none)."""

    batches: list[list[str]] = field(default_factory=list)
    whole_reads: list[str] = field(default_factory=list)

    def order(self, order_id: str) -> Order | None:
        self.whole_reads.append(order_id)
        return super().order(order_id)

    def orders_stock_lines(self, order_ids: Sequence[str]) -> dict[str, OrderStockLines]:
        self.batches.append(list(order_ids))
        return {
            order_id: OrderStockLines.of(order)
            for order_id in order_ids
            if (order := self.orders.get(order_id)) is not None
        }
