"""`shopbridge demo`'s warehouse day: every ERP despatch (a split order, the bundle, whole orders)
becomes a Shopify fulfilment exactly once, counted from both sandboxes' own state."""

from __future__ import annotations

import pytest
from demo_days import EVERY_ERP, DayOf

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_every_despatch_of_the_day_is_one_fulfilment_in_shopify(day_of: DayOf, erp: str) -> None:
    day = day_of(erp)
    fulfilments, changes = day.report["fulfilments"], day.report["changes"]
    assert changes["despatched_split"] and changes["despatched_bundle"] and changes["despatched_whole"]
    # the split order is despatched twice, the change phase despatched one more (edited after the cut-off)
    assert fulfilments["dispatches_in_erp"] >= 2 + len(changes["despatched_whole"]) + 1
    assert fulfilments["fulfilled_in_shopify"] == fulfilments["dispatches_in_erp"]
    assert (fulfilments["duplicates"], fulfilments["problems"]) == (0, 0)
    assert "fulfilments dispatches_in_erp" in day.markdown
