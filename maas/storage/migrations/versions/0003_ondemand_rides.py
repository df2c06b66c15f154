"""On-demand rides and each operator's versioned plan of a service day.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "ondemand_rides",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("operator_id", sa.String(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("rider_ref", sa.String(), nullable=False),
        _utc("pickup_from"),
        sa.Column("payload", sa.Text(), nullable=False),
        _utc("updated_at"),
        sa.UniqueConstraint("operator_id", "offer_id", name="uq_ondemand_rides_operator_offer"),
    )
    op.create_index("ix_ondemand_rides_operator_date", "ondemand_rides", ["operator_id", "service_date"])
    op.create_index("ix_ondemand_rides_operator_rider", "ondemand_rides", ["operator_id", "rider_ref"])
    op.create_table(
        "ondemand_plans",
        sa.Column("operator_id", sa.String(), primary_key=True),
        sa.Column("service_date", sa.Date(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("routes", sa.Text(), nullable=False),
        _utc("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("ondemand_plans")
    op.drop_index("ix_ondemand_rides_operator_rider", table_name="ondemand_rides")
    op.drop_index("ix_ondemand_rides_operator_date", table_name="ondemand_rides")
    op.drop_table("ondemand_rides")
