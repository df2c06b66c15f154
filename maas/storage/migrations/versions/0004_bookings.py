"""Trip bookings with their saga journal, and the offers handed to riders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("request_digest", sa.String(), nullable=False),
        sa.Column("total_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        _utc("confirm_by", nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_bookings_account_key"),
    )
    op.create_index("ix_bookings_account_id", "bookings", ["account_id"])
    op.create_index("ix_bookings_state", "bookings", ["state"])
    op.create_table(
        "booking_steps",
        sa.Column("booking_id", sa.String(), sa.ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True,
                  nullable=False),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        _utc("at"),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_table(
        "offers_issued",
        sa.Column("offer_id", sa.String(), primary_key=True),
        sa.Column("operator_id", sa.String(), nullable=False),
        _utc("valid_until"),
        _utc("issued_at"),
        sa.Column("payload", sa.Text(), nullable=False),
    )
    op.create_index("ix_offers_issued_valid_until", "offers_issued", ["valid_until"])


def downgrade() -> None:
    op.drop_index("ix_offers_issued_valid_until", table_name="offers_issued")
    op.drop_table("offers_issued")
    op.drop_table("booking_steps")
    op.drop_index("ix_bookings_state", table_name="bookings")
    op.drop_index("ix_bookings_account_id", table_name="bookings")
    op.drop_table("bookings")
