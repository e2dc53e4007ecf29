"""The payouts flow's state: one record per Shopify Payments payout settled into the ledger.

Revision ID: 0008_payouts
Revises: 0007_prices
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_payouts"
down_revision = "0007_prices"
branch_labels = None
depends_on = None

# Frozen here: domain/payout_state.Outcome at this revision.
_OUTCOMES = ("posted", "unbalanced", "exported", "changed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "payout_records",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("payout_id", sa.String(length=255), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("settled_status", sa.String(length=32), server_default="", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("erp_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("erp_reference", sa.String(length=255), server_default="", nullable=False),
        sa.Column("difference", sa.String(length=40), server_default="0", nullable=False),
        sa.Column("unknown_types", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("journal_csv", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("outcome", _OUTCOMES), name=op.f("ck_payout_records_outcome")),
        sa.PrimaryKeyConstraint("shop", "payout_id", name=op.f("pk_payout_records")),
    )
    op.create_index("ix_payout_records_issued", "payout_records", ["shop", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_payout_records_issued", table_name="payout_records")
    op.drop_table("payout_records")
