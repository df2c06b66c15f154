"""Settlement ledger, settled bookings, and bookings found by their legs' operator bookings.

Adds `booking_legs` ((operator_id, leg_booking_id) -> booking), filled from each booking's
JSON payload, `ledger_entries`, and `settlements` keyed by booking id (a booking is settled once).
Only new tables: `bookings` is not altered, so no batch-mode copy of it (see 0005).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The payload is Booking.model_dump_json(): legs[] each with index, operator_id and booking
# (null until the operator answered, else an object with the operator's booking id).
_BACKFILL = {
    "postgresql": """
        INSERT INTO booking_legs (operator_id, leg_booking_id, booking_id, leg_index)
        SELECT leg ->> 'operator_id', (leg -> 'booking') ->> 'id', b.id, (leg ->> 'index')::integer
        FROM bookings AS b CROSS JOIN LATERAL json_array_elements(b.payload::json -> 'legs') AS leg
        WHERE (leg -> 'booking') ->> 'id' IS NOT NULL
        ORDER BY b.created_at, b.id
        ON CONFLICT DO NOTHING
    """,
    "sqlite": """
        INSERT OR IGNORE INTO booking_legs (operator_id, leg_booking_id, booking_id, leg_index)
        SELECT json_extract(leg.value, '$.operator_id'), json_extract(leg.value, '$.booking.id'), b.id,
               json_extract(leg.value, '$.index')
        FROM bookings AS b, json_each(b.payload, '$.legs') AS leg
        WHERE json_extract(leg.value, '$.booking.id') IS NOT NULL
        ORDER BY b.created_at, b.id
    """,
}


def _utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "booking_legs",
        sa.Column("operator_id", sa.String(), primary_key=True),
        sa.Column("leg_booking_id", sa.String(), primary_key=True),
        sa.Column("booking_id", sa.String(), sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("leg_index", sa.Integer(), nullable=False),
    )
    op.create_index("ix_booking_legs_booking_id", "booking_legs", ["booking_id"])
    # Should two bookings ever name the same operator booking, the oldest keeps it.
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("booking_id", sa.String(), nullable=False),
        sa.Column("leg_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("party", sa.String(), nullable=False),
        sa.Column("operator_id", sa.String(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        _utc("at"),
        sa.Column("rules", sa.Text(), nullable=False),
    )
    op.create_index("ix_ledger_entries_booking_id", "ledger_entries", ["booking_id"])
    op.create_index("ix_ledger_entries_operator_id", "ledger_entries", ["operator_id"])
    op.create_index("ix_ledger_entries_at", "ledger_entries", ["at"])
    op.create_table(
        "settlements",
        sa.Column("booking_id", sa.String(), primary_key=True),
        _utc("settled_at"),
    )


def downgrade() -> None:
    op.drop_table("settlements")
    op.drop_index("ix_ledger_entries_at", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_operator_id", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_booking_id", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index("ix_booking_legs_booking_id", table_name="booking_legs")
    op.drop_table("booking_legs")
