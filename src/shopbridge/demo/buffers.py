"""The demo's safety buffers: one rule holding units of one SKU back from Shopify.

The stack writes it into its configuration; the stock phase (``stock_day``) then shows the buffered
SKU pushed short of the ERP's free stock.
"""

from __future__ import annotations

__all__ = ["BUFFERED_SKU", "BUFFER_UNITS", "stock_config"]

BUFFERED_SKU = "TEE-M"
BUFFER_UNITS = 5


def stock_config() -> str:
    """The demo configuration's ``[buffers]`` section (the schedules are turned off in stack.py)."""
    return f'[buffers]\ndefault = 0\n[[buffers.rules]]\nsku = "{BUFFERED_SKU}"\nunits = {BUFFER_UNITS}\n'
