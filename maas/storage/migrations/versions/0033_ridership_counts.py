"""Ridership counts a town uploads for trips not booked here.

Revision ID: 0033
Revises: 0030
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ridership_counts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("route_id", sa.String(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("trip_id", sa.String(), nullable=False),
        sa.Column("boardings", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("route_id", "service_date", "trip_id", name="uq_ridership_route_date_trip"),
    )
    op.create_index("ix_ridership_counts_date", "ridership_counts", ["service_date"])


def downgrade() -> None:
    op.drop_index("ix_ridership_counts_date", table_name="ridership_counts")
    op.drop_table("ridership_counts")
