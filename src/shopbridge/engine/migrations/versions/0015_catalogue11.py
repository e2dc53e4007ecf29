"""The catalogue sweep's SKU index: every Shopify variant's SKU and product, kept between sweeps.

Revision ID: 0015_catalogue11
Revises: 0014_stores15
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_catalogue11"
down_revision = "0014_stores15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_skus",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("variant_id", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=255), server_default="", nullable=False),
        sa.Column("product_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "variant_id", name=op.f("pk_catalogue_skus")),
    )
    op.create_index("ix_catalogue_skus_sku", "catalogue_skus", ["shop", "sku"])
    op.create_index("ix_catalogue_skus_product", "catalogue_skus", ["shop", "product_id"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_skus_product", table_name="catalogue_skus")
    op.drop_index("ix_catalogue_skus_sku", table_name="catalogue_skus")
    op.drop_table("catalogue_skus")
