"""The Shopify connector: GraphQL Admin client, cost pacing, webhook verification, translation.

Every query and mutation lives in ``queries/*.graphql`` and is validated against the pinned Admin
schema by a test; the API version is :data:`shopbridge.config.SHOPIFY_API_VERSION`.
"""

from shopbridge.connectors.shopify.client import ShopifyClient
from shopbridge.connectors.shopify.pacing import BudgetRegistry, CostBudget

__all__ = ["BudgetRegistry", "CostBudget", "ShopifyClient"]
