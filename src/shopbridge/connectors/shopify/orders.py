"""The order side of the Shopify port: read one order, write the ERP number back onto it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shopbridge.connectors.shopify.translate import gid, order_from_graphql
from shopbridge.domain.order_versions import OrderVersion, graphql_order_state
from shopbridge.domain.records import Order
from shopbridge.ports.shopify import ERP_ORDER_METAFIELD, ERP_TAG_PREFIX

__all__ = ["fetch_order", "record_erp_order", "refunded_order", "refunded_units"]


class _Client(Protocol):
    shop_domain: str

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


_REFUNDED = ("PARTIALLY_REFUNDED", "REFUNDED")


def fetch_order(client: _Client, order_id: str) -> Order | None:
    """``order_by_id`` as a canonical order; ``None`` when Shopify answers ``order: null``.

    The order is read *as sold*: edits applied, refunds not. Shopify's ``currentQuantity`` leaves out
    refunded units too, but a refund is the credit note's business (the refunds flow), not a change
    of the sales order; so for a refunded order its refund lines are read and their units put back.
    """
    data = client.execute("order_by_id", {"id": gid("Order", order_id)})
    node = (data or {}).get("order")
    if node is None:
        return None
    refunded = refunded_units(client, node) if refunded_order(node) else {}
    return order_from_graphql(node, shop=client.shop_domain, refunded_units=refunded)


def refunded_order(node: Mapping[str, Any]) -> bool:
    return node.get("displayFinancialStatus") in _REFUNDED


def refunded_units(client: _Client, node: Mapping[str, Any]) -> dict[str, int]:
    """Units refunded per line item GID, over every refund of the order."""
    data = client.execute("order_refunds", {"id": node["id"]})
    units: dict[str, int] = {}
    for refund in ((data or {}).get("order") or {}).get("refunds") or ():
        for item in (refund.get("refundLineItems") or {}).get("nodes") or ():
            line_id = str((item.get("lineItem") or {}).get("id") or "")
            units[line_id] = units.get(line_id, 0) + int(item.get("quantity") or 0)
    return units


def record_erp_order(client: _Client, order_id: str, erp_number: str) -> OrderVersion | None:
    """The ERP number as the ``shopbridge.erp_order`` metafield and an ``ERP:<number>`` tag.

    Both mutations set a value rather than add to one, so a retry writes the same state again. The
    tag goes last: the version it answers is the order's after both (a metafield leaves ``updatedAt``
    alone).
    """
    namespace, key = ERP_ORDER_METAFIELD
    owner = gid("Order", order_id)
    metafield = {
        "ownerId": owner,
        "namespace": namespace,
        "key": key,
        "type": "single_line_text_field",
        "value": erp_number,
    }
    client.mutate("metafields_set", {"metafields": [metafield]})
    result = client.mutate("tags_add", {"id": owner, "tags": [f"{ERP_TAG_PREFIX}{erp_number}"]})
    return _version_of(result.get("node") if isinstance(result, Mapping) else None)


def _version_of(node: Any) -> OrderVersion | None:
    """The order's version from a mutation's ``node``; ``None`` if Shopify left a part out."""
    if not isinstance(node, Mapping) or not node.get("id") or not node.get("updatedAt"):
        return None
    return OrderVersion.of(str(node["id"]), node["updatedAt"], graphql_order_state(node))
