"""The collections of a stock item's product (what a collection buffer rule matches on).

Revision ID: 0012_stock2
Revises: 0011_dryrun
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_stock2"
down_revision = "0011_dryrun"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stock_items") as batch:
        batch.add_column(sa.Column("collections", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("stock_items") as batch:
        batch.drop_column("collections")
