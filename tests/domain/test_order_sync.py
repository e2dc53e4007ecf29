"""The order lifecycle: from where an order stands with the ERP, the one step that closes the gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopbridge.domain.money import Money
from shopbridge.domain.order_sync import (
    Cutoff,
    OrderSync,
    Step,
    SyncStatus,
    cutoff_passed,
    next_step,
    state_fingerprint,
)
from shopbridge.domain.records import Order, OrderLine, SalesOrderStatus

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def order(*, cancelled: bool = False) -> Order:
    line = OrderLine("gid://shopify/LineItem/1", "TEE-M", 1, Money.of("10.00", "GBP"))
    return Order(
        shopify_id="gid://shopify/Order/1",
        name="#1001",
        currency="GBP",
        created_at=NOW,
        lines=(line,),
        cancelled_at=NOW if cancelled else None,
    )


def sync(status: SyncStatus, fingerprint: str = "fp1") -> OrderSync:
    return OrderSync("uk", "gid://shopify/Order/1", "#1001", status, fingerprint=fingerprint)


@pytest.mark.parametrize(
    ("state", "cancelled", "qualifies", "skip", "fingerprint", "expected"),
    [
        # never seen, or seen and not posted yet
        (None, False, True, False, None, Step.CREATE),
        (None, False, False, False, None, Step.WAIT),
        (None, False, True, True, None, Step.SKIP),
        (None, True, True, False, None, Step.SKIP),
        (SyncStatus.WAITING, False, True, False, None, Step.CREATE),
        (SyncStatus.WAITING, False, False, False, None, Step.WAIT),
        (SyncStatus.QUARANTINED, False, True, False, None, Step.CREATE),
        (SyncStatus.QUARANTINED, True, True, False, None, Step.SKIP),
        (SyncStatus.SKIPPED, False, True, False, None, Step.NOTHING),
        # posted: changes follow it
        (SyncStatus.POSTED, False, True, False, "fp1", Step.NOTHING),
        (SyncStatus.POSTED, False, True, False, "fp2", Step.AMEND),
        (SyncStatus.POSTED, True, True, False, "fp1+cancelled", Step.CANCEL),
        (SyncStatus.CANCELLED, True, True, False, "fp1+cancelled", Step.NOTHING),
        # after the cut-off: told once per change
        (SyncStatus.MANUAL, False, True, False, "fp1", Step.NOTHING),
        (SyncStatus.MANUAL, False, True, False, "fp2", Step.AFTER_CUTOFF),
        (SyncStatus.MANUAL, True, True, False, "fp1+cancelled", Step.AFTER_CUTOFF),
    ],
)
def test_the_next_step_follows_from_where_the_order_stands(
    state: SyncStatus | None,
    cancelled: bool,
    qualifies: bool,
    skip: bool,
    fingerprint: str | None,
    expected: Step,
) -> None:
    current = None if state is None else sync(state)
    the_order = order(cancelled=cancelled)
    step = next_step(the_order, current, qualifies=qualifies, skip=skip, reason="r", fingerprint=fingerprint)
    assert step.step is expected


def test_an_amend_or_cancel_asks_for_the_cut_off_check_and_a_create_does_not() -> None:
    posted = sync(SyncStatus.POSTED)
    amend = next_step(order(), posted, qualifies=True, skip=False, reason="", fingerprint="fp2")
    create = next_step(order(), None, qualifies=True, skip=False, reason="", fingerprint=None)
    assert amend.needs_cutoff_check and not create.needs_cutoff_check


@pytest.mark.parametrize(
    ("cutoff", "status", "posted_minutes_ago", "passed"),
    [
        (Cutoff(), SalesOrderStatus.OPEN, 5, ""),
        (Cutoff(), SalesOrderStatus.PART_DISPATCHED, 5, "the ERP order is part_dispatched"),
        (Cutoff(), SalesOrderStatus.DISPATCHED, 5, "the ERP order is dispatched"),
        (Cutoff(), SalesOrderStatus.OPEN, 61, "it was posted more than 60 minutes ago"),
        (Cutoff(minutes=0), SalesOrderStatus.OPEN, 6000, ""),
        (
            Cutoff(statuses=frozenset({SalesOrderStatus.OPEN, SalesOrderStatus.PART_DISPATCHED})),
            SalesOrderStatus.PART_DISPATCHED,
            5,
            "",
        ),
        (Cutoff(), None, 5, ""),  # the ERP cannot tell its status: time alone decides
    ],
)
def test_the_cut_off_passes_with_the_erp_status_or_the_time_since_posting(
    cutoff: Cutoff, status: SalesOrderStatus | None, posted_minutes_ago: int, passed: str
) -> None:
    posted_at = NOW - timedelta(minutes=posted_minutes_ago)
    assert cutoff_passed(cutoff, erp_status=status, posted_at=posted_at, now=NOW) == passed


def test_a_cancelled_order_has_its_own_fingerprint() -> None:
    assert state_fingerprint("abc", cancelled=True) != state_fingerprint("abc", cancelled=False)
