"""Go-live state: flows switched from dry run to live (who, when, overridden why) and test alerts.

Revision ID: 0011_dryrun
Revises: 0010_reconcile
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_dryrun"
down_revision = "0010_reconcile"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "golive_flows",
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("live", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("override", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("flow", name=op.f("pk_golive_flows")),
    )
    op.create_table(
        "alert_tests",
        sa.Column("id", _Id, autoincrement=True, nullable=False),
        sa.Column("route", sa.String(length=128), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_tests")),
    )
    op.create_index("ix_alert_tests_route", "alert_tests", ["route"])


def downgrade() -> None:
    op.drop_index("ix_alert_tests_route", table_name="alert_tests")
    op.drop_table("alert_tests")
    op.drop_table("golive_flows")
