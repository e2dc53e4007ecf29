"""Two stores on one ERP must not give it the same order reference.

The ERP knows an order by its reference: the store's ``order_reference_prefix`` followed by the
Shopify order name. Every store numbers its orders from #1001 unless its order-name prefix or suffix
is changed in Shopify, so two stores with the same ``order_reference_prefix`` would both post
``#1001``: the second would be taken for a duplicate of the first, or linked to the first store's
ERP order (its dispatches, refunds and reconciliation with it). That is refused at start-up, unless
one of the two stores says explicitly (``order_names_distinct = true``) that its Shopify order names
already differ from every other store's. A configuration with no ``[erp]`` yet posts nowhere and is
not checked until one is added (``shopbridge connect`` writes it, and the file is validated again).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Protocol

from shopbridge.errors import ConfigurationError

__all__ = ["check_order_references"]


class _Store(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def order_reference_prefix(self) -> str: ...
    @property
    def order_names_distinct(self) -> bool: ...


def check_order_references(shops: Sequence[_Store]) -> None:
    """Raise :class:`ConfigurationError` naming two stores that could post the same ERP reference."""
    for first, second in combinations(shops, 2):
        if _may_collide(first, second):
            prefix = first.order_reference_prefix
            shown = f"the same order_reference_prefix {prefix!r}" if prefix else "no order_reference_prefix"
            raise ConfigurationError(
                f"shops {first.name!r} and {second.name!r} post into the one ERP with {shown}: both "
                "stores count their orders from #1001, so the ERP would take one store's order for the "
                "other's (a duplicate, or dispatches and refunds linked to the wrong store)",
                key="shops.order_reference_prefix",
                fix=f"give {second.name!r} its own order_reference_prefix (e.g. "
                f"order_reference_prefix = {_example(second.name)!r}; leave a store that is already live "
                "as it is: a new prefix would lose the ERP orders it posted under the old one); or, if "
                "the stores' order-name prefixes in Shopify's order settings already differ, set "
                "order_names_distinct = true on the store whose names differ",
            )


def _may_collide(first: _Store, second: _Store) -> bool:
    if first.order_reference_prefix != second.order_reference_prefix:
        return False
    return not (first.order_names_distinct or second.order_names_distinct)


def _example(shop: str) -> str:
    return f"{shop[:6].upper()}-"
