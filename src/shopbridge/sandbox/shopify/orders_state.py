"""Order-side collections of the shop state (helper D2 fills this mixin).

The shared collections (``orders``, ``refunds``, ``fulfillment_orders``, ``fulfillments``,
``payouts``, ``balance_transactions``) are created by ``ShopState.reset``; this mixin adds what only
the order side needs. Records are plain dicts with internal keys (snake_case, ``Bag`` money); the
resolvers turn them into GraphQL answers, :mod:`.payloads` into REST webhook bodies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .webhooks import WebhookEmitter


class OrdersStateMixin:
    """Collections for order numbering, order edits, jobs and the payments account settings."""

    def _init_orders_state(self) -> None:
        """Called by ShopState.__init__ and on reset."""
        # Shopify numbers orders from #1001 upwards per shop.
        self.next_order_number: int = 1001
        # CalculatedOrder GID -> open edit session (see resolvers/edits.py).
        self.order_edits: dict[str, dict[str, Any]] = {}
        # Job GID -> {"id", "done"}: orderCancel answers a job that is done by the time it is read.
        self.jobs: dict[str, dict[str, Any]] = {}
        # Shopify Payments account: absent scope answers ACCESS_DENIED like the recorded capture.
        self.payments_access_denied: bool = False
        self.payments_account_id: str = "gid://shopify/ShopifyPaymentsAccount/1"
        # Discount codes the checkout accepts: code -> {"kind", "value"} (see scenario.py).
        self.discount_codes: dict[str, dict[str, Any]] = {}
        # Returns and their reverse fulfillment orders (resolvers/returns.py).
        self.returns: dict[str, dict[str, Any]] = {}
        self.reverse_fulfillment_orders: dict[str, dict[str, Any]] = {}
        # The webhook emitter outlives a reset (its subscription is to the event bus, not the data).
        if not hasattr(self, "webhook_emitter"):
            self.webhook_emitter: WebhookEmitter | None = None

    def take_order_number(self) -> int:
        """The next order number (call under the state lock)."""
        number = self.next_order_number
        self.next_order_number = number + 1
        return number
