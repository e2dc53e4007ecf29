"""`shopbridge demo`'s refunds: every refund of an order in the ERP is one credit note of its amount.

The counts come from the sandboxes' own state (the report's ``refunds`` object): the Shopify sandbox's
refunds against the ERP sandbox's credit notes.
"""

from __future__ import annotations

import pytest
from demo_days import DayOf, DemoDay, erp_param, on_day

pytestmark = pytest.mark.slow


def refunds_of(day: DemoDay) -> dict[str, object]:
    queue = day.report["status"]["queue"]
    dead = [row for row in queue if row["state"] == "dead" and row["kind"].endswith("refunds")]
    assert dead == []
    refunds: dict[str, object] = day.report["refunds"]
    return refunds


@on_day("sage200")
def test_every_refund_becomes_one_credit_note_with_the_refunds_total(
    day_of: DayOf,
) -> None:
    refunds = refunds_of(day_of("sage200"))  # its webhooks are dropped and duplicated at 30%
    cases = refunds["cases"]
    assert isinstance(cases, dict)
    assert all(len(orders) == 1 for orders in cases.values()), cases  # each case happened
    assert refunds["expected"] and refunds["credited_exactly_once"] == refunds["expected"], refunds["missing"]
    assert refunds["credit_notes_in_erp"] == refunds["expected"]
    assert (refunds["duplicates"], refunds["amount_differs"]) == (0, 0)
    assert refunds["amount_checked"] == refunds["credit_notes_in_erp"]  # Sage 200 keeps every gross
    assert refunds["restock_tasks"] >= 1  # Sage 200 cannot restock: the warehouse is told


@pytest.mark.parametrize(("erp", "restocks"), [erp_param("syspro", False), erp_param("prima", True)])
def test_syspro_and_prima_credit_every_refund_once(day_of: DayOf, erp: str, restocks: bool) -> None:
    refunds = refunds_of(day_of(erp))
    assert refunds["expected"] and refunds["credited_exactly_once"] == refunds["expected"], refunds["missing"]
    assert (refunds["credit_notes_in_erp"], refunds["duplicates"]) == (refunds["expected"], 0)
    assert (refunds["restock_tasks"] == 0) is restocks  # Prima restocks with the credit note


@pytest.mark.parametrize(("erp", "by_hand"), [erp_param("syspro", True), erp_param("prima", False)])
def test_a_shipping_only_refund_is_credited_exactly_or_keyed_by_finance_never_inexactly(
    day_of: DayOf, erp: str, by_hand: bool
) -> None:
    """The demo's shipping carries VAT. SYSPRO's credit line takes no tax amount, so finance keys that
    refund (one credit_note_manual problem, no credit note); Prima credits it on the carriage product
    with its VAT, and its credit notes' gross equals each refund's."""
    refunds = refunds_of(day_of(erp))
    cases = refunds["cases"]
    assert isinstance(cases, dict) and len(cases["shipping_only"]) == 1, cases
    assert (refunds["handled_manually"] >= 1) is by_hand
    assert refunds["not_expected"] == []  # nothing handed to finance was posted as well
    if erp == "prima":
        assert refunds["amount_checked"] == refunds["credit_notes_in_erp"]
        assert refunds["amount_differs"] == 0


@pytest.mark.tryton
@on_day("tryton")
def test_a_day_on_a_real_tryton_credits_every_refund_once_with_its_total(
    day_of: DayOf,
) -> None:
    refunds = refunds_of(day_of("tryton"))
    assert refunds["expected"] and refunds["credited_exactly_once"] == refunds["expected"], refunds["missing"]
    assert (refunds["duplicates"], refunds["amount_differs"]) == (0, 0)
    assert refunds["amount_checked"] == refunds["credit_notes_in_erp"] == refunds["expected"]
