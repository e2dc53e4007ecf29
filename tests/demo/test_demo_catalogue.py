"""`shopbridge demo`'s catalogue phase: a product gated and released, one still gated, duplicate SKUs;
the report's counts are read from the Shopify sandbox's state."""

from __future__ import annotations

import pytest
from demo_days import EVERY_ERP, DayOf

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("erp", EVERY_ERP)
def test_the_day_gates_releases_and_finds_duplicate_skus(day_of: DayOf, erp: str) -> None:
    day = day_of(erp)
    report = day.report
    assert report["catalogue"] == {
        "gated_during_the_day": ["Garden Kneeler", "Mystery Box"],
        "released": ["Garden Kneeler"],  # the ERP activated its item
        "still_gated": ["Mystery Box"],  # the ERP never had it
        "duplicate_skus": ["BOTTLE-01", "MUG-01"],
    }
    assert report["stock"]["gated_products"] == 1
    assert report["stock"]["duplicate_skus"] == 2
    assert report["orders"]["in_erp_exactly_once"] == report["orders"]["qualifying"]
    assert "## Catalogue" in day.markdown
