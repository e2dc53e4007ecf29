"""Sandboxes that stand in for the external systems in tests and demos."""
