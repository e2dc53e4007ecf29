"""Where one Shopify order stands with the ERP, and the next step to bring the ERP in line.

The order flow is a reconciliation, not an event replay: every job for an order (a webhook of any
topic, the sweep, a release from quarantine) reads the order as Shopify has it *now*, compares it with
what shopbridge last did in the ERP (:class:`OrderSync`) and takes the one step that closes the gap.
So a redelivered, late or reordered event cannot do harm: an edit that arrives before its order posts
is folded into the create (the create reads the edited order), and a cancel never overtakes the create
it cancels (jobs of one order run one at a time, in order, and a cancelled order that never posted is
simply not posted).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from shopbridge.domain.records import Order, SalesOrderStatus

__all__ = [
    "Cutoff",
    "NextStep",
    "OrderSync",
    "Step",
    "SyncStatus",
    "cutoff_passed",
    "next_step",
    "state_fingerprint",
]


class SyncStatus(StrEnum):
    WAITING = "waiting"  # seen, does not qualify yet (not paid)
    SKIPPED = "skipped"  # never to be posted (test order, cancelled before it posted)
    QUARANTINED = "quarantined"  # waits for SKUs the ERP lacks or has inactive
    POSTED = "posted"  # a sales order exists in the ERP
    CANCELLED = "cancelled"  # posted, then cancelled in the ERP
    MANUAL = "manual"  # changed in Shopify after the cut-off: a person carries changes to the ERP


@dataclass(frozen=True)
class OrderSync:
    """What shopbridge knows of one Shopify order and its ERP counterpart."""

    shop: str
    order_id: str  # Shopify GID
    name: str  # "#1001": the reference the ERP order carries
    status: SyncStatus
    erp_id: str = ""
    erp_number: str = ""
    customer_account: str = ""
    fingerprint: str = ""  # of the request last sent to the ERP (create or amend)
    posted_at: datetime | None = None
    missing_skus: tuple[str, ...] = ()
    written_back: bool = False
    updated_at: datetime | None = None
    amendments: int = 0
    written_version: str = ""  # the order version the write-back produced (domain/order_versions.py)

    def moved(self, **changes: object) -> OrderSync:
        return replace(self, **changes)  # type: ignore[arg-type]


class Step(StrEnum):
    WAIT = "wait"
    SKIP = "skip"
    CREATE = "create"
    AMEND = "amend"
    CANCEL = "cancel"
    AFTER_CUTOFF = "after_cutoff"  # tell operations what changed; change nothing in the ERP
    NOTHING = "nothing"


@dataclass(frozen=True)
class NextStep:
    step: Step
    reason: str
    needs_cutoff_check: bool = field(default=False)


@dataclass(frozen=True)
class Cutoff:
    """Until when the ERP order may still change by itself.

    ``minutes`` after posting (0: no time limit) and only while the ERP order's status is one of
    ``statuses`` (by default: open, i.e. nothing released to the warehouse has been dispatched).
    """

    minutes: int = 60
    statuses: frozenset[SalesOrderStatus] = frozenset({SalesOrderStatus.OPEN})


def next_step(
    order: Order,
    sync: OrderSync | None,
    *,
    qualifies: bool,
    skip: bool,
    reason: str,
    fingerprint: str | None,
) -> NextStep:
    """The step that brings the ERP in line with ``order``.

    ``fingerprint`` is :func:`state_fingerprint` of the order as mapped now (``None`` when not needed:
    before posting). A posted order whose change was refused by the cut-off is ``MANUAL``: each later
    change is told to operations once, and nothing is sent to the ERP.
    """
    if sync is None or sync.status in (SyncStatus.WAITING, SyncStatus.QUARANTINED, SyncStatus.SKIPPED):
        return _before_posting(order, sync, qualifies=qualifies, skip=skip, reason=reason)
    if sync.status is SyncStatus.CANCELLED:
        return NextStep(Step.NOTHING, "already cancelled in the ERP")
    if sync.status is SyncStatus.MANUAL:
        if fingerprint is not None and fingerprint != sync.fingerprint:
            return NextStep(Step.AFTER_CUTOFF, "changed again after the cut-off")
        return NextStep(Step.NOTHING, "after the cut-off; nothing new since operations were told")
    if order.cancelled_at is not None:
        return NextStep(Step.CANCEL, "cancelled in Shopify", needs_cutoff_check=True)
    if fingerprint is not None and fingerprint != sync.fingerprint:
        return NextStep(Step.AMEND, "lines, quantities, shipping or address changed", needs_cutoff_check=True)
    return NextStep(Step.NOTHING, "the ERP order already matches")


def _before_posting(
    order: Order, sync: OrderSync | None, *, qualifies: bool, skip: bool, reason: str
) -> NextStep:
    if sync is not None and sync.status is SyncStatus.SKIPPED:
        return NextStep(Step.NOTHING, "skipped before: " + (reason or "not to be posted"))
    if order.cancelled_at is not None:
        return NextStep(Step.SKIP, "cancelled in Shopify before it reached the ERP")
    if skip:
        return NextStep(Step.SKIP, reason)
    if not qualifies:
        return NextStep(Step.WAIT, reason)
    return NextStep(Step.CREATE, reason or "qualifies")


def state_fingerprint(content: str, *, cancelled: bool) -> str:
    """The order's fingerprint as the sync record keeps it: its content, and whether it is cancelled."""
    return f"{content}+cancelled" if cancelled else content


def cutoff_passed(
    cutoff: Cutoff, *, erp_status: SalesOrderStatus | None, posted_at: datetime | None, now: datetime
) -> str:
    """Why the cut-off has passed (a sentence for the problem), or ``""`` while changes may still flow."""
    if erp_status is not None and erp_status not in cutoff.statuses:
        return f"the ERP order is {erp_status.value}"
    if cutoff.minutes and posted_at is not None and now - posted_at > timedelta(minutes=cutoff.minutes):
        return f"it was posted more than {cutoff.minutes} minutes ago"
    return ""
