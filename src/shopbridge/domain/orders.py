"""The pure rules of the order flow (Shopify order -> ERP sales order), in one public surface.

- :func:`qualify`: post now, later or never;
- :func:`plan_customer`: whose account the order goes to;
- :func:`erp_skus`: the SKUs the ERP must know (after bundle expansion);
- :func:`map_order`: the exact ERP request, with the texts cut to fit and notes on defaults used;
- :func:`order_fingerprint`: what the ERP order must contain, hashed, to detect edits that matter.

Bad input raises :class:`OrderUnmappable` (reason, fix, code). The rules live in ``order_rules``
(configuration, lookups, qualification), ``order_customer``, ``order_money`` (exact line money) and
``order_mapping``; this module only re-exports them.
"""

from __future__ import annotations

from shopbridge.domain.order_customer import CustomerPlan, plan_customer
from shopbridge.domain.order_mapping import Cut, MappedOrder, erp_skus, map_order, order_fingerprint
from shopbridge.domain.order_rules import (
    FieldLimits,
    OrderRules,
    OrderUnmappable,
    Qualification,
    qualify,
)

__all__ = [
    "CustomerPlan",
    "Cut",
    "FieldLimits",
    "MappedOrder",
    "OrderRules",
    "OrderUnmappable",
    "Qualification",
    "erp_skus",
    "map_order",
    "order_fingerprint",
    "plan_customer",
    "qualify",
]
