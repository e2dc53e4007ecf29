"""The order flow's state: one sync row per Shopify order, and the trail of steps per entity.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Also widens the problems' ``kind`` check to the kinds the order flow adds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen here (a later kind needs a later revision): the kinds of 0001 plus the order flow's own.
_PROBLEM_KINDS = (
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
_SYNC_STATUSES = ("waiting", "skipped", "quarantined", "posted", "cancelled", "manual")
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "order_syncs",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("erp_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("erp_number", sa.String(length=255), server_default="", nullable=False),
        sa.Column("customer_account", sa.String(length=255), server_default="", nullable=False),
        sa.Column("fingerprint", sa.String(length=64), server_default="", nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missing_skus", sa.JSON(), nullable=False),
        sa.Column("written_back", sa.Integer(), server_default="0", nullable=False),
        sa.Column("amendments", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("status", _SYNC_STATUSES), name=op.f("ck_order_syncs_status")),
        sa.PrimaryKeyConstraint("shop", "order_id", name=op.f("pk_order_syncs")),
    )
    op.create_index("ix_order_syncs_status", "order_syncs", ["status"])
    op.create_index("ix_order_syncs_name", "order_syncs", ["name"])
    op.create_table(
        "trail",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("shop", sa.String(length=128), server_default="", nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trail")),
    )
    op.create_index("ix_trail_entity", "trail", ["shop", "entity_id"])
    _problem_kinds(_PROBLEM_KINDS)


def _problem_kinds(kinds: tuple[str, ...]) -> None:
    """Re-create the problems' kind check with ``kinds`` (batch mode: SQLite rebuilds the table)."""
    with op.batch_alter_table("problems") as batch:
        batch.drop_constraint(op.f("ck_problems_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_problems_kind"), _one_of("kind", kinds))


def downgrade() -> None:
    op.drop_index("ix_trail_entity", table_name="trail")
    op.drop_table("trail")
    op.drop_index("ix_order_syncs_name", table_name="order_syncs")
    op.drop_index("ix_order_syncs_status", table_name="order_syncs")
    op.drop_table("order_syncs")
    _problem_kinds(_PROBLEM_KINDS[:-2])
