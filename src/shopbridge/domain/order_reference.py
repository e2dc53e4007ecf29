"""The ERP reference of a Shopify order, and back: the store's prefix, then the order name.

Several stores can post into one ERP; each may have an ``order_reference_prefix`` so that its
``#1001`` and another store's ``#1001`` are two ERP orders (``config/order_names.py`` refuses a
configuration where they could be one). Every place that builds or looks up an order's ERP
reference goes through here, so the prefix is never forgotten on one path.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["erp_reference", "is_stores", "order_name_of"]


def erp_reference(prefix: str, order_name: str) -> str:
    """The reference the ERP order of Shopify order ``order_name`` carries."""
    return f"{prefix}{order_name}"


def order_name_of(prefix: str, reference: str) -> str | None:
    """The Shopify order name behind an ERP reference, or ``None`` if it is not this store's."""
    if not reference.startswith(prefix):
        return None
    return reference[len(prefix) :]


def is_stores(prefix: str, other_prefixes: Iterable[str], reference: str) -> bool:
    """Whether an ERP reference can be this store's: it starts with the store's prefix and not with a
    longer prefix of another store's (a store with no prefix shares the ERP with prefixed ones).
    Stores that share a prefix (``order_names_distinct``) cannot be told apart here: both say yes."""
    if not reference.startswith(prefix):
        return False
    return not any(len(other) > len(prefix) and reference.startswith(other) for other in other_prefixes)
