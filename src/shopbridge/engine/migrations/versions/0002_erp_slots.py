"""ERP concurrency slots: a lease table shared by every worker thread, process and host.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

One row per slot of a pool (``erp``); a held slot names its holder and the time its lease runs
out, so a holder that dies gives its slot back when the lease expires (see ``engine/slots.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erp_slots",
        sa.Column("pool", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("slot >= 0", name=op.f("ck_erp_slots_slot")),
        sa.CheckConstraint(
            "(holder IS NULL AND lease_until IS NULL) OR (holder IS NOT NULL AND lease_until IS NOT NULL)",
            name=op.f("ck_erp_slots_held_has_lease"),
        ),
        sa.PrimaryKeyConstraint("pool", "slot", name=op.f("pk_erp_slots")),
    )


def downgrade() -> None:
    op.drop_table("erp_slots")
