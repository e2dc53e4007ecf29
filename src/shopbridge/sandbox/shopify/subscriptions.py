"""Webhook subscriptions as Shopify keeps them, and the access scopes the app was granted.

The subscriptions live on the shop state (``state.webhook_subscriptions``, GID -> record) so the
GraphQL resolvers (``resolvers/webhook_subscriptions.py``) and the emitter (``webhooks.py``) read the
same list. Shopify's rules kept here:

- one subscription per (topic, address): a second is refused with "Address for this topic has
  already been taken";
- only HTTPS addresses are accepted ("Address protocol http:// is not supported"); the sandbox's
  *tunnels* setting maps a public ``https://`` prefix onto a local ``http://`` receiver, as a reverse
  proxy or tunnel does in front of a real installation;
- a subscription whose delivery still fails after Shopify's 8 retries is deleted (API-created
  subscriptions only; see FIDELITY.md for the source).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .state import ShopState

# What a freshly installed sandbox app holds: every scope shopbridge's flows ask for, so nothing
# that ran before the scopes setting existed changes. Tests narrow it through /_sandbox/settings.
DEFAULT_GRANTED_SCOPES: tuple[str, ...] = (
    "read_orders",
    "write_orders",
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_customers",
    "write_customers",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "read_fulfillments",
    "write_fulfillments",
    "read_companies",
    "write_companies",
    "read_publications",
    "write_publications",
    "read_shopify_payments_payouts",
)

TAKEN = "Address for this topic has already been taken"
MISSING = "Webhook subscription does not exist"
BLANK = "Address can't be blank"


def enum_topic(topic: str) -> str:
    """``orders/create`` -> ``ORDERS_CREATE`` (the WebhookSubscriptionTopic value)."""
    return topic.upper().replace("/", "_")


def subscriptions(state: ShopState) -> dict[str, dict[str, Any]]:
    return state.webhook_subscriptions


def granted_scopes(state: ShopState) -> list[str]:
    return list(state.granted_scopes)


def set_granted_scopes(state: ShopState, scopes: list[str]) -> None:
    if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
        raise ValueError("granted_scopes takes a list of scope handles such as 'read_orders'")
    state.granted_scopes = list(scopes)


def address_error(uri: str | None) -> str | None:
    """Shopify's message for an address it refuses, or None."""
    if not uri:
        return BLANK
    parts = urlsplit(uri)
    if parts.scheme != "https":
        return (
            f"Address protocol {parts.scheme}:// is not supported" if parts.scheme else "Address is invalid"
        )
    if not parts.netloc:
        return "Address is invalid"
    return None


def taken(state: ShopState, topic: str, uri: str, except_id: str | None = None) -> bool:
    return any(
        sub["topic"] == topic and sub["uri"] == uri and gid != except_id
        for gid, sub in subscriptions(state).items()
    )


def matching(state: ShopState, event_topic: str) -> list[dict[str, Any]]:
    """Copies of the subscriptions that receive ``event_topic`` (``orders/create``)."""
    wanted = enum_topic(event_topic)
    with state.lock:
        return [dict(sub) for sub in subscriptions(state).values() if sub["topic"] == wanted]


def any_registered(state: ShopState) -> bool:
    with state.lock:
        return bool(subscriptions(state))


def remove_after_failures(state: ShopState, gid: str) -> bool:
    """Shopify deletes an API-created subscription once a delivery exhausts its retries."""
    with state.lock:
        return subscriptions(state).pop(gid, None) is not None


def tunnelled(address: str, tunnels: dict[str, str]) -> str:
    """The local address a public one reaches through a configured tunnel (or the address itself)."""
    for public, local in tunnels.items():
        if address.startswith(public):
            return local.rstrip("/") + address[len(public.rstrip("/")) :]
    return address
