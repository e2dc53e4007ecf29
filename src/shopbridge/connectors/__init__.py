"""Connectors: Shopify and the ERP adapters, translating wire formats at the boundary."""
