"""Order-side collections of the shop state (helper D2 fills this mixin)."""

from __future__ import annotations


class OrdersStateMixin:
    """Collections for orders, refunds, fulfilments and payouts; ShopState inherits it."""

    def _init_orders_state(self) -> None:
        """Called by ShopState.__init__ and on reset; D2 creates its collections here."""
