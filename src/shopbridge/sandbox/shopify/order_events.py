"""Webhook topics out of order-side changes: bodies built under the lock, published after it.

Why after: subscribers (the webhook emitter) must never run while the state lock is held, or a slow
subscriber would stall every GraphQL request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .order_figures import current_totals
from .payloads import fulfillment_body, order_body, refund_body
from .state import ShopState

Event = tuple[str, dict[str, Any]]


def order_events(state: ShopState, order: dict[str, Any], topics: Iterable[str]) -> list[Event]:
    """Bodies for ``orders/*`` topics (call under the state lock)."""
    body = order_body(state, order)
    return [(topic, body) for topic in topics]


def refund_event(state: ShopState, refund: dict[str, Any]) -> Event:
    return ("refunds/create", refund_body(state, refund))


def fulfillment_event(state: ShopState, fulfillment: dict[str, Any]) -> Event:
    return ("fulfillments/create", fulfillment_body(state, fulfillment))


def publish(state: ShopState, events: Iterable[Event]) -> None:
    """Publish outside the state lock."""
    for topic, body in events:
        state.events.publish(topic, body)


def touch(state: ShopState, order: dict[str, Any]) -> None:
    """Shopify bumps ``updatedAt`` on every change to an order (the sweep relies on it). The
    customer side reads ``total_price`` to sum what a customer spent: kept current here."""
    order["updated_at"] = state.now_iso()
    order["total_price"] = str(current_totals(order).total.shop)
