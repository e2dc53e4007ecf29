"""The order side of the Shopify port: read one order, write the ERP number back onto it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shopbridge.connectors.shopify.translate import gid, order_from_graphql
from shopbridge.domain.records import Order
from shopbridge.ports.shopify import ERP_ORDER_METAFIELD, ERP_TAG_PREFIX

__all__ = ["fetch_order", "record_erp_order"]


class _Client(Protocol):
    shop_domain: str

    def execute(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...

    def mutate(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> Any: ...


def fetch_order(client: _Client, order_id: str) -> Order | None:
    """``order_by_id`` as a canonical order; ``None`` when Shopify answers ``order: null``."""
    data = client.execute("order_by_id", {"id": gid("Order", order_id)})
    node = (data or {}).get("order")
    return None if node is None else order_from_graphql(node, shop=client.shop_domain)


def record_erp_order(client: _Client, order_id: str, erp_number: str) -> None:
    """The ERP number as the ``shopbridge.erp_order`` metafield and an ``ERP:<number>`` tag.

    Both mutations set a value rather than add to one, so a retry writes the same state again.
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
    client.mutate("tags_add", {"id": owner, "tags": [f"{ERP_TAG_PREFIX}{erp_number}"]})
