"""Refused on-demand quotes, without personal data (for the route-performance figures).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ride_refusals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("operator_id", sa.String(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("requested_pickup", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("travellers", sa.Integer(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_cell", sa.String(), nullable=False),
        sa.Column("destination_cell", sa.String(), nullable=False),
    )
    op.create_index("ix_ride_refusals_operator_date", "ride_refusals", ["operator_id", "service_date"])


def downgrade() -> None:
    op.drop_index("ix_ride_refusals_operator_date", table_name="ride_refusals")
    op.drop_table("ride_refusals")
