"""`shopbridge demo` with each ERP: the day's price change on the B2B trade list reaches Shopify, and
``report.json``'s ``stock.price_lists_synced`` counts it from the Shopify sandbox's own price lists."""

from __future__ import annotations

import pytest
from demo_days import EVERY_ERP, DayOf

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_the_trade_list_with_its_price_change_is_synced_to_shopify(day_of: DayOf, erp: str) -> None:
    report = day_of(erp).report
    assert report["stock"]["price_lists_synced"] == 1
    assert report["stock"]["price_change"]["sku"] == "TEE-M"
    sweeps = [row for row in report["status"]["queue"] if row["kind"] == "sweep.price_lists"]
    assert sweeps and all(row["state"] == "done" for row in sweeps)
