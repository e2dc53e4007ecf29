"""The problem kinds of the dispatch, refund, stock, catalogue and finance flows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Widens the problems' ``kind`` check; the flows' own tables come in later revisions.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen here (a later kind needs a later revision): the kinds of 0003 plus the later flows' own.
_BEFORE = (
    "job_dead_lettered",
    "remote_rejected",
    "remote_unavailable",
    "unsupported_operation",
    "configuration",
    "malformed_webhook",
    "unknown_webhook_topic",
    "unknown_sku",
    "duplicate_sku",
    "customer_conflict",
    "credit_limit",
    "stock_mismatch",
    "ledger_mismatch",
    "payout_mismatch",
    "unknown_balance_transaction",
    "amendment_after_cutoff",
    "fulfilment_rejected",
    "order_unmappable",
    "customer_missing",
)
_ADDED = (
    "unmapped_carrier",
    "dispatch_unmatched",
    "restock_task",
    "credit_note_manual",
    "refund_unmappable",
    "stock_push_held",
    "product_gated",
    "price_list_mismatch",
    "payout_changed",
    "tax_mismatch",
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _problem_kinds(kinds: tuple[str, ...]) -> None:
    """Re-create the problems' kind check with ``kinds`` (batch mode: SQLite rebuilds the table)."""
    with op.batch_alter_table("problems") as batch:
        batch.drop_constraint(op.f("ck_problems_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_problems_kind"), _one_of("kind", kinds))


def upgrade() -> None:
    _problem_kinds(_BEFORE + _ADDED)


def downgrade() -> None:
    _problem_kinds(_BEFORE)
