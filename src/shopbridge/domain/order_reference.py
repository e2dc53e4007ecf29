"""The ERP reference of a Shopify order, and back: the store's prefix, then the order name.

Several stores can post into one ERP; each may have an ``order_reference_prefix`` so that its
``#1001`` and another store's ``#1001`` are two ERP orders (``config/order_names.py`` refuses a
configuration where they could be one). Every place that builds or looks up an order's ERP
reference goes through here, so the prefix is never forgotten on one path.
"""

from __future__ import annotations

__all__ = ["erp_reference", "order_name_of"]


def erp_reference(prefix: str, order_name: str) -> str:
    """The reference the ERP order of Shopify order ``order_name`` carries."""
    return f"{prefix}{order_name}"


def order_name_of(prefix: str, reference: str) -> str | None:
    """The Shopify order name behind an ERP reference, or ``None`` if it is not this store's."""
    if not reference.startswith(prefix):
        return None
    return reference[len(prefix) :]
