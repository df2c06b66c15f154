"""Passes riders bought (maas.domain.passes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "rider_passes",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        _utc("valid_from"),
        _utc("valid_until"),
        _utc("created_at"),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_rider_passes_account_key"),
    )
    op.create_index("ix_rider_passes_account_id", "rider_passes", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_rider_passes_account_id", table_name="rider_passes")
    op.drop_table("rider_passes")
