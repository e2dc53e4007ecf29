"""The e2e fixtures live in ``e2e_stack.py`` (a unique module name: several test folders have a conftest)."""

from e2e_stack import erp, make_stack, shopify

__all__ = ["erp", "make_stack", "shopify"]
