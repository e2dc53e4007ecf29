"""Tryton credit notes under concurrency: one invoice sequence whose dates may not go backwards.

Two workers posting credit notes at once can each read "the latest numbered date" before the other
posts; Tryton then refuses the earlier-dated post. These tests replay that interleaving on a real
server and check the note is posted anyway, once, and that a draft left by a cut-off attempt is
finished rather than duplicated or reported as posted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from shopbridge.connectors.erp.tryton import TrytonErp, sales
from shopbridge.errors import RetryLater

pytestmark = pytest.mark.tryton


def _invoice(erp: TrytonErp, refund: str) -> dict[str, Any]:
    rows = erp.look.search_read(
        "account.invoice", [("reference", "=", refund)], ["state", "invoice_date", "number"]
    )
    assert len(rows) == 1, rows
    return rows[0]


def _today_and_the_day_before() -> tuple[date, date]:
    """Tryton refuses invoices dated in the future; the day before stays in this fiscal year."""
    today = datetime.now(UTC).date()
    return today, max(today - timedelta(days=1), date(today.year, 1, 1))


def _dispatched_order(erp: TrytonErp, harness: Any, support: ModuleType, account: str, name: str) -> None:
    erp.create_sales_order(support.order_request(name, account))
    harness.dispatch(name, carrier="DPD", tracking=f"TRK-{name}")


def test_a_credit_note_dated_before_one_posted_meanwhile_is_redated_and_posted(
    erp: TrytonErp, harness: Any, support: ModuleType, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dispatched_order(erp, harness, support, account, "#TC9101")
    _dispatched_order(erp, harness, support, account, "#TC9102")
    today, yesterday = _today_and_the_day_before()
    real_invoice_date = sales._invoice_date
    reads: list[date] = []

    def stale_then_real(look: Any, wanted: date) -> date:
        """The first read happens before the other worker's later-dated note is numbered."""
        if not reads:
            reads.append(wanted)
            later = replace(support.credit_note("gid://shopify/Refund/9102", "#TC9102"), issued_on=today)
            monkeypatch.setattr(sales, "_invoice_date", real_invoice_date)
            erp.create_credit_note(later)
            return wanted
        return real_invoice_date(look, wanted)

    monkeypatch.setattr(sales, "_invoice_date", stale_then_real)
    earlier = replace(support.credit_note("gid://shopify/Refund/9101", "#TC9101"), issued_on=yesterday)
    posted = erp.create_credit_note(earlier)

    invoice = _invoice(erp, "gid://shopify/Refund/9101")
    assert (invoice["state"], invoice["invoice_date"]) == ("posted", today)
    assert posted.existed is False and posted.number == invoice["number"]
    assert harness.count_credit_notes("#TC9101") == 1


def test_a_draft_left_by_a_cut_off_attempt_is_posted_by_the_retry_not_duplicated(
    erp: TrytonErp, harness: Any, support: ModuleType, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dispatched_order(erp, harness, support, account, "#TC9103")
    note = support.credit_note("gid://shopify/Refund/9103", "#TC9103")
    real_post = sales._post_in_sequence

    def cut_off(look: Any, invoice_id: int, wanted: date) -> None:
        raise RetryLater("the connection dropped before the post")

    monkeypatch.setattr(sales, "_post_in_sequence", cut_off)
    with pytest.raises(RetryLater):
        erp.create_credit_note(note)
    assert _invoice(erp, "gid://shopify/Refund/9103")["state"] == "draft"

    monkeypatch.setattr(sales, "_post_in_sequence", real_post)
    retried = erp.create_credit_note(note)
    assert _invoice(erp, "gid://shopify/Refund/9103")["state"] == "posted"
    assert retried.number and harness.count_credit_notes("#TC9103") == 1
