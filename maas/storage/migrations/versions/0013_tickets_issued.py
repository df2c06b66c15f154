"""Tickets handed out, per booking version, so a cancelled booking's ticket can be revoked.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets_issued",
        sa.Column("ticket_id", sa.String(), primary_key=True),
        sa.Column("booking_id", sa.String(), sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("booking_version", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("booking_id", "booking_version", name="uq_tickets_issued_booking_version"),
    )
    op.create_index("ix_tickets_issued_booking_id", "tickets_issued", ["booking_id"])
    op.create_index("ix_tickets_issued_valid_until", "tickets_issued", ["valid_until"])


def downgrade() -> None:
    op.drop_index("ix_tickets_issued_valid_until", table_name="tickets_issued")
    op.drop_index("ix_tickets_issued_booking_id", table_name="tickets_issued")
    op.drop_table("tickets_issued")
