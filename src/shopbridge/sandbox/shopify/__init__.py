"""A faithful in-process stand-in for the Shopify Admin GraphQL API (version 2026-07)."""
