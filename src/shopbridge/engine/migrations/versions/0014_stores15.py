"""Fair claiming across stores: each shop's oldest pending jobs, found by index.

Revision ID: 0014_stores15
Revises: 0013_dash
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_stores15"
down_revision = "0013_dash"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pending = sa.text("state = 'pending'")
    op.create_index(
        "ix_jobs_claim_shop", "jobs", ["shop", "id"], sqlite_where=pending, postgresql_where=pending
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_claim_shop", table_name="jobs")
