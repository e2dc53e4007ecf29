"""REST-shaped webhook bodies for the catalogue side (inventory levels, products, customers, bulk).

Webhook bodies are still the REST resources (see tests/fixtures/shopify/rest-payloads/), with
numeric ids and ``admin_graphql_api_id`` carrying the GID.
"""

from __future__ import annotations

from typing import Any

from . import inventory_model as inv
from .state import ShopState, numeric_id

Body = dict[str, Any]


def inventory_level_payload(state: ShopState, item_id: str, location_id: str) -> Body:
    levels = inv.level(state, item_id, location_id) or {}
    key = inv.level_key(item_id, location_id)
    return {
        "inventory_item_id": numeric_id(item_id),
        "location_id": numeric_id(location_id),
        "available": levels.get("available", 0),
        "updated_at": state.level_stamps.get(key, state.now_iso()),
        "admin_graphql_api_id": state.level_ids.get(key, ""),
    }


def _variant_payload(state: ShopState, variant: dict[str, Any]) -> Body:
    return {
        "id": numeric_id(variant["id"]),
        "product_id": numeric_id(variant["product_id"]),
        "title": variant["title"],
        "price": f"{variant['price']:.2f}",
        "sku": variant.get("sku") or "",
        "position": variant["position"],
        "inventory_policy": variant.get("inventory_policy", "deny").lower(),
        "compare_at_price": variant.get("compare_at_price"),
        "barcode": variant.get("barcode"),
        "inventory_item_id": numeric_id(variant["inventory_item_id"]),
        "inventory_quantity": inv.total_available(state, variant["inventory_item_id"]),
        "created_at": variant["created_at"],
        "updated_at": variant["updated_at"],
        "admin_graphql_api_id": variant["id"],
    }


def product_payload(state: ShopState, product: dict[str, Any]) -> Body:
    variants = [state.variants[v] for v in product["variant_ids"] if v in state.variants]
    return {
        "id": numeric_id(product["id"]),
        "title": product["title"],
        "handle": product["handle"],
        "body_html": product.get("description_html", ""),
        "vendor": product.get("vendor", ""),
        "product_type": product.get("product_type", ""),
        "status": product["status"].lower(),
        "tags": ", ".join(product.get("tags", [])),
        "created_at": product["created_at"],
        "updated_at": product["updated_at"],
        "published_at": product.get("published_at"),
        "variants": [_variant_payload(state, v) for v in variants],
        "admin_graphql_api_id": product["id"],
    }


def customer_payload(state: ShopState, customer: dict[str, Any]) -> Body:
    return {
        "id": numeric_id(customer["id"]),
        "email": customer.get("email"),
        "first_name": customer.get("first_name"),
        "last_name": customer.get("last_name"),
        "phone": customer.get("phone"),
        "state": customer.get("state", "disabled"),
        "note": customer.get("note"),
        "tax_exempt": customer.get("tax_exempt", False),
        "verified_email": customer.get("verified_email", True),
        "tags": ", ".join(customer.get("tags", [])),
        "currency": state.currency,
        "created_at": customer["created_at"],
        "updated_at": customer["updated_at"],
        "admin_graphql_api_id": customer["id"],
    }


def bulk_operation_payload(operation: dict[str, Any]) -> Body:
    return {
        "admin_graphql_api_id": operation["id"],
        "completed_at": operation.get("completed_at"),
        "created_at": operation["created_at"],
        "error_code": operation.get("error_code"),
        "status": operation["status"].lower(),
        "type": operation["type"].lower(),
    }
