"""The daily reconciliation's reports: one per shop and day, with each checkpoint's verdict.

Revision ID: 0010_reconcile
Revises: 0009_stock
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_reconcile"
down_revision = "0009_stock"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconcile_reports",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("csv", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "day", name=op.f("pk_reconcile_reports")),
    )


def downgrade() -> None:
    op.drop_table("reconcile_reports")
