"""Gateway events already handled, and bookings found by their payment's id.

Adds `bookings.payment_id` (indexed), filled from each booking's JSON payload, and the
`payment_events` table keyed by the gateway's event id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The payload is Booking.model_dump_json(): the payment's id is at $.payment.id (or payment is null).
_BACKFILL = {
    "postgresql": "UPDATE bookings SET payment_id = (payload::json -> 'payment') ->> 'id'",
    "sqlite": "UPDATE bookings SET payment_id = json_extract(payload, '$.payment.id')",
}


def _utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.add_column("bookings", sa.Column("payment_id", sa.String(), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    op.create_index("ix_bookings_payment_id", "bookings", ["payment_id"])
    op.create_table(
        "payment_events",
        sa.Column("event_id", sa.String(), primary_key=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("payment_id", sa.String(), nullable=True),
        _utc("created"),
        _utc("received_at"),
        sa.Column("outcome", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payment_events")
    op.drop_index("ix_bookings_payment_id", table_name="bookings")
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: batch mode would copy and drop
    # `bookings`, and with foreign keys on that drop would cascade into booking_steps.
    op.drop_column("bookings", "payment_id")
