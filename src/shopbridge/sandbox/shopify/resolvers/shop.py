"""``shop``: the few shop-level facts clients read (name, domain, currency)."""

from __future__ import annotations

from typing import Any

from ..registry import ResolveInfo, query
from ..state import ShopState


@query("shop")
def resolve_shop(state: ShopState, args: dict[str, Any], info: ResolveInfo) -> dict[str, Any]:
    name = state.shop_domain.split(".", 1)[0]
    return {
        "__typename": "Shop",
        "id": "gid://shopify/Shop/1",
        "name": name,
        "myshopifyDomain": state.shop_domain,
        "currencyCode": state.currency,
        "enabledPresentmentCurrencies": [state.currency],
        "ianaTimezone": "Europe/London",
        "timezoneAbbreviation": "GMT",
        "weightUnit": "KILOGRAMS",
        "taxesIncluded": True,
        "email": f"owner@{state.shop_domain}",
        "contactEmail": f"owner@{state.shop_domain}",
    }
