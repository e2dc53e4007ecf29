"""What shopbridge remembers of each payout, the step a sweep takes for it, and its detail (pure).

A payout is posted once, keyed on its Shopify id. Its record keeps the status it had when it was
settled here (posted, refused as unbalanced, exported as CSV for an ERP without a payout path), the
ERP document, and every transaction behind the summary with its category: the payout detail report
reads it back, joined with each order's ERP number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from shopbridge.domain.payouts import category_of, is_transfer
from shopbridge.domain.records import BalanceTransaction, JournalEntry, Payout

__all__ = [
    "DetailRow",
    "Outcome",
    "PayoutRecord",
    "Step",
    "detail_of",
    "journal_csv",
    "next_step",
    "record_of",
]

PAID = "PAID"


class Outcome(StrEnum):
    """Where a payout stands in shopbridge."""

    POSTED = "posted"  # the summary is in the ERP
    UNBALANCED = "unbalanced"  # refused: its figures do not add up (a PAYOUT_MISMATCH problem)
    EXPORTED = "exported"  # the ERP has no payout path: a CSV waits for finance to import
    CHANGED = "changed"  # settled here, then Shopify changed its status (a PAYOUT_CHANGED problem)


class Step(StrEnum):
    SETTLE = "settle"  # build the summary and post it (or refuse, or export)
    WAIT = "wait"  # not paid yet: nothing to post
    NOTHING = "nothing"  # settled here before and unchanged
    CHANGED = "changed"  # settled here before with another status: tell finance, never post twice


@dataclass(frozen=True)
class DetailRow:
    """One transaction behind a payout's summary (the ERP number is joined in when reported)."""

    transaction_id: str
    type: str
    category: str
    amount: Decimal
    fee: Decimal
    net: Decimal
    order_id: str = ""
    order_name: str = ""
    erp_order: str = ""


@dataclass(frozen=True)
class PayoutRecord:
    shop: str
    payout_id: str
    issued_at: datetime
    status: str  # Shopify's status when it was settled here (or last seen, once changed)
    currency: str
    net: Decimal  # signed: a withdrawal is negative
    outcome: Outcome
    erp_id: str = ""
    erp_reference: str = ""
    difference: Decimal = Decimal(0)
    unknown_types: tuple[str, ...] = ()
    detail: tuple[DetailRow, ...] = ()
    journal_csv: str = ""  # the summary as a CSV (always kept; what finance imports where no path exists)
    settled_status: str = ""  # the status it had when it was posted (kept when it changes)
    updated_at: datetime | None = None


def next_step(payout: Payout, record: PayoutRecord | None, *, linked: bool) -> Step:
    """Settle a paid payout once. One refused as unbalanced was never posted: it is settled again
    (a corrected payout or mapping may balance now). One posted or exported whose status moved since
    it was last seen is a change to report, never a second posting."""
    status = payout.status.upper()
    never_posted = record is None or record.outcome is Outcome.UNBALANCED
    if never_posted and not linked:
        return Step.SETTLE if status == PAID else Step.WAIT
    last_seen = record.status if record is not None else PAID
    return Step.NOTHING if status == last_seen else Step.CHANGED


def detail_of(payout: Payout) -> tuple[DetailRow, ...]:
    """Every transaction of the payout (its own transfer row left out: it is the bank line)."""
    return tuple(
        DetailRow(
            transaction_id=tx.shopify_id,
            type=tx.type,
            category=category_of(tx.type).value,
            amount=tx.amount.amount,
            fee=tx.fee.amount,
            net=tx.net.amount,
            order_id=tx.source_order_id,
            order_name=tx.source_order_name,
        )
        for tx in payout.transactions
        if not is_transfer(tx.type)
    )


def record_of(
    shop: str, payout: Payout, outcome: Outcome, *, journal: str = "", **values: object
) -> PayoutRecord:
    """A payout's record as settled now (``values``: erp_id, erp_reference, difference, ...)."""
    return PayoutRecord(
        shop=shop,
        payout_id=payout.shopify_id,
        issued_at=payout.issued_at,
        status=payout.status.upper(),
        currency=payout.net.currency,
        net=payout.net.amount,
        outcome=outcome,
        detail=detail_of(payout),
        journal_csv=journal,
        settled_status=payout.status.upper(),
        **values,  # type: ignore[arg-type]
    )


JOURNAL_COLUMNS = ("reference", "date", "nominal_code", "description", "debit", "credit", "currency")
DETAIL_COLUMNS = (
    "transaction_id",
    "type",
    "category",
    "amount",
    "fee",
    "net",
    "order_id",
    "order_name",
    "erp_order",
)


def journal_csv(entry: JournalEntry) -> str:
    """The summary journal as a generic import CSV: one row per line, debit or credit."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(JOURNAL_COLUMNS)
    for line in entry.lines:
        debit = str(line.debit.rounded().amount) if line.debit else ""
        credit = str(line.credit.rounded().amount) if line.credit else ""
        row = (entry.reference, entry.posted_on.isoformat(), line.nominal_code, line.description)
        writer.writerow((*row, debit, credit, entry.currency))
    return out.getvalue()


def detail_csv(rows: Sequence[DetailRow]) -> str:
    """The payout detail report: every transaction with its order and the order's ERP document."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DETAIL_COLUMNS)
    for row in rows:
        values = (row.transaction_id, row.type, row.category, row.amount, row.fee, row.net)
        writer.writerow((*values, row.order_id, row.order_name, row.erp_order))
    return out.getvalue()


def balance_transaction_brief(tx: BalanceTransaction) -> dict[str, str]:
    """A transaction as a problem's details carry it."""
    return {
        "id": tx.shopify_id,
        "type": tx.type,
        "amount": str(tx.amount.amount),
        "fee": str(tx.fee.amount),
        "net": str(tx.net.amount),
        "order": tx.source_order_name or tx.source_order_id,
    }
