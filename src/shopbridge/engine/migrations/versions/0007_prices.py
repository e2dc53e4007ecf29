"""The fixed prices pushed to each Shopify price list, so a sweep sends only what changed.

Revision ID: 0007_prices
Revises: 0006_access
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_prices"
down_revision = "0006_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_list_prices",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("price_list_id", sa.String(length=255), nullable=False),
        sa.Column("variant_id", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=255), server_default="", nullable=False),
        sa.Column("amount", sa.String(length=32), nullable=False),
        sa.Column("compare_at", sa.String(length=32), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "price_list_id", "variant_id", name=op.f("pk_price_list_prices")),
    )


def downgrade() -> None:
    op.drop_table("price_list_prices")
