"""The demo's stock phase with each ERP: the ERP's stock moves for three SKUs and shopbridge pushes
only what changed, in one call, the counts read from the sandboxes (report.json's ``stock``)."""

from __future__ import annotations

import pytest
from demo_days import EVERY_ERP, DayOf

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_the_days_stock_changes_reach_shopify_in_the_fewest_calls(day_of: DayOf, erp: str) -> None:
    stock = day_of(erp).report["stock"]
    # TEE-S, TEE-L and MUG-01 moved in the ERP; MUG-01 is on two Shopify variants (never pushed), so
    # TEE-S, TEE-L and the Breakfast Set (MUG-01 x 2 + TEE-M) change at the warehouse's home location
    # (the second location lists the same one warehouse, so offers none of it): 3 levels, 1 call.
    assert stock["erp_changes"] == 3
    assert (stock["levels_pushed"], stock["mutations"]) == (3, 1)
    assert 0 < stock["cost_points"] < 100
