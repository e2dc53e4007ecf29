"""The stock flow's state: the ERP's latest free stock, pending order units, Shopify's stock items.

Revision ID: 0009_stock
Revises: 0008_payouts
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_stock"
down_revision = "0008_payouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erp_stock_levels",
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("warehouse", sa.String(length=64), nullable=False),
        sa.Column("free", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sku", "warehouse", name=op.f("pk_erp_stock_levels")),
    )
    op.create_table(
        "pending_order_units",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("location_id", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_pending_order_units_quantity")),
        sa.PrimaryKeyConstraint(
            "shop", "order_id", "sku", "location_id", name=op.f("pk_pending_order_units")
        ),
    )
    op.create_table(
        "stock_items",
        sa.Column("shop", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=255), nullable=False),
        sa.Column("variant_id", sa.String(length=255), nullable=False),
        sa.Column("inventory_item_id", sa.String(length=255), nullable=False),
        sa.Column("product_type", sa.String(length=255), server_default="", nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("shop", "sku", name=op.f("pk_stock_items")),
    )


def downgrade() -> None:
    op.drop_table("stock_items")
    op.drop_table("pending_order_units")
    op.drop_table("erp_stock_levels")
