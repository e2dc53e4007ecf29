"""Importing this package registers every resolver module's root fields."""

from __future__ import annotations

import importlib

_MODULES = (
    "catalog",
    "products",
    "inventory",
    "inventory_move",
    "inventory_items",
    "customers",
    "b2b",
    "b2b_catalogs",
    "b2b_prices",
    "bulk",
    "node",
    "shop",
    # D2's modules; absent ones are skipped so each side can land independently.
    "orders",
    "fulfillment",
    "refunds",
    "edits",
    "cancel",
    "payouts",
    "order_meta",
    "variants_update",
    "fulfillment_orders",
    "returns",
    "webhook_subscriptions",
    "collections",
    "product_delete",
)


def load_all() -> None:
    """Import every resolver module that exists (registration happens on import)."""
    for name in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


load_all()
