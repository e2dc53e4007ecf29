"""The order flow's settings as the pure rules take them: a shop's configuration, translated once.

The rules in ``domain/`` know nothing of TOML or pydantic; this is where ``[[shops]]``, ``[lookups]``
and ``[bundles]`` become :class:`~shopbridge.domain.orders.OrderRules` and the cut-off.
"""

from __future__ import annotations

from collections.abc import Mapping

from shopbridge.config import Settings, ShopSettings
from shopbridge.domain.order_sync import Cutoff
from shopbridge.domain.orders import OrderRules
from shopbridge.domain.records import BundleComponent, SalesOrderStatus

__all__ = ["cutoff_of", "rules_for"]


def rules_for(settings: Settings, shop: ShopSettings) -> OrderRules:
    """The pure rules' view of the configuration, for one shop."""
    lookups = settings.lookups_for(shop)
    web_accounts = dict(shop.web_accounts)
    if shop.default_customer_account:
        web_accounts.setdefault(shop.currency, shop.default_customer_account)
    return OrderRules(
        trigger=shop.order_trigger,
        test_orders=shop.test_orders,
        warehouses=shop.order_warehouses,
        default_warehouse=shop.default_warehouse,
        payment_methods=dict(lookups.payment_gateways),
        shipping_methods=dict(lookups.shipping_methods),
        tax_codes=dict(lookups.tax_codes),
        web_accounts=web_accounts,
        company_accounts=dict(shop.company_accounts),
        account_prefix=shop.customer_account_prefix,
        create_customers=shop.create_customers,
        bundles={sku: _components(parts) for sku, parts in settings.bundles.items()},
        ledger_currencies=frozenset(shop.accounts) if shop.accounts else None,
        gift_card_sku=shop.gift_card_sku,
        reference_prefix=shop.order_reference_prefix,
    )


def _components(parts: Mapping[str, int]) -> tuple[BundleComponent, ...]:
    return tuple(BundleComponent(sku, quantity) for sku, quantity in parts.items())


def cutoff_of(shop: ShopSettings) -> Cutoff:
    """Until when the shop's edits and cancels reach the ERP by themselves."""
    statuses = frozenset(SalesOrderStatus(status) for status in shop.amendment_cutoff_statuses)
    return Cutoff(minutes=shop.amendment_cutoff_minutes, statuses=statuses)
