"""The order version shopbridge's own write-back produced, kept on the order's sync record.

Revision ID: 0016_own_version
Revises: 0015_catalogue11
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_own_version"
down_revision = "0015_catalogue11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_syncs") as batch:
        batch.add_column(
            sa.Column("written_version", sa.String(length=255), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("order_syncs") as batch:
        batch.drop_column("written_version")
