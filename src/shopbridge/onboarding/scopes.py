"""The Shopify access scopes each flow needs, by the ``[flows]`` switch that turns it on.

Names are Shopify's access scope handles (shopify.dev "Access scopes"); each flow's list follows the
documents it sends (connectors/shopify/queries). A ``write_`` scope grants its ``read_`` twin, as
Shopify's do, so a shop granted ``write_orders`` is not asked for ``read_orders`` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SCOPES_BY_FLOW: Mapping[str, tuple[str, ...]] = {
    # order reads, the ERP number metafield and tag, edits and cancels
    "orders": ("read_orders", "write_orders"),
    "customers": ("read_customers", "write_customers"),
    # available-to-sell pushes (inventorySetQuantities), levels per location, variants by SKU
    "stock": ("read_inventory", "write_inventory", "read_locations", "read_products"),
    # gating (status, publications) and owned field pushes
    "catalogue": ("read_products", "write_products", "read_publications", "write_publications"),
    # dispatches -> fulfilments of merchant-managed fulfilment orders (fulfillmentCreate, move)
    "fulfilments": (
        "read_merchant_managed_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
        "write_fulfillments",
    ),
    "refunds": ("read_orders",),
    "payouts": ("read_shopify_payments_payouts",),
    # B2B: company locations read, price lists and catalogs written
    "prices": ("read_companies", "write_products"),
}


def needed(switches: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The scopes of each enabled flow (switches with no Shopify scope are left out)."""
    return {name: SCOPES_BY_FLOW[name] for name in switches if name in SCOPES_BY_FLOW}


def is_granted(scope: str, granted: Iterable[str]) -> bool:
    have = set(granted)
    if scope in have:
        return True
    action, _, resource = scope.partition("_")
    return action == "read" and f"write_{resource}" in have


def missing(needs: Mapping[str, tuple[str, ...]], granted: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Flow -> the scopes it needs that the token lacks (flows lacking nothing are left out)."""
    have = list(granted)
    gaps = {flow: tuple(s for s in scopes if not is_granted(s, have)) for flow, scopes in needs.items()}
    return {flow: scopes for flow, scopes in gaps.items() if scopes}
