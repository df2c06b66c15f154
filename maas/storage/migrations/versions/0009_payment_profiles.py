"""Riders' saved ways to pay (a Stripe customer and a confirmed method), for bookings days ahead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_profiles",
        sa.Column("account_id", sa.String(), primary_key=True),
        sa.Column("gateway", sa.String(), nullable=False),
        sa.Column("customer_ref", sa.String(), nullable=False),
        sa.Column("setup_id", sa.String(), nullable=False),
        sa.Column("payment_method", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payment_profiles")
