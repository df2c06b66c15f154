"""Shared-vehicle bookings and the vehicles they hold, shared by every process of the service.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vehicle_holds",
        sa.Column("booking_id", sa.String(), primary_key=True),
        sa.Column("operator_id", sa.String(), nullable=False),
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("book_key", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("live_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("operator_id", "book_key", name="uq_vehicle_holds_operator_key"),
    )
    op.create_index("ix_vehicle_holds_operator_live", "vehicle_holds", ["operator_id", "live_until"])


def downgrade() -> None:
    op.drop_index("ix_vehicle_holds_operator_live", table_name="vehicle_holds")
    op.drop_table("vehicle_holds")
