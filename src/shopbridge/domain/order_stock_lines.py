"""What the stock sweep reads of an order the ERP does not hold yet: its lines' SKUs and units as
sold, which lines are gift cards, and where the order ships from. Nothing else of the order counts
against stock, so a batched read asks Shopify for these alone (``ShopifyPendingOrderReads``)."""

from __future__ import annotations

from dataclasses import dataclass

from shopbridge.domain.records import Order

__all__ = ["OrderStockLine", "OrderStockLines"]


@dataclass(frozen=True)
class OrderStockLine:
    """One line: ``quantity`` as :class:`~shopbridge.domain.records.OrderLine` has it (as sold: less
    the units edits removed, refunded units kept)."""

    sku: str
    quantity: int
    is_gift_card: bool = False
    location_id: str = ""  # the line's own location, where the read gives one ("" otherwise)


@dataclass(frozen=True)
class OrderStockLines:
    """An order's stock-relevant lines and the location it ships from ("" when Shopify says none)."""

    order_id: str
    location_id: str
    lines: tuple[OrderStockLine, ...]

    @classmethod
    def of(cls, order: Order) -> OrderStockLines:
        """The same facts from a whole order (``ShopifyPort.order``)."""
        return cls(
            order.shopify_id,
            order.location_id,
            tuple(
                OrderStockLine(line.sku, line.quantity, line.is_gift_card, line.location_id)
                for line in order.lines
            ),
        )
