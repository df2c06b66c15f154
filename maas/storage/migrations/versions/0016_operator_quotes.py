"""In-process operators' quotes in the database, so any API process books what another quoted.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_quotes",
        sa.Column("operator_id", sa.String(), nullable=False),
        sa.Column("offer_id", sa.String(), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_as", sa.String(), nullable=True),
        sa.Column("offer", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("operator_id", "offer_id"),
    )
    op.create_index("ix_operator_quotes_operator_valid", "operator_quotes", ["operator_id", "valid_until"])


def downgrade() -> None:
    op.drop_index("ix_operator_quotes_operator_valid", table_name="operator_quotes")
    op.drop_table("operator_quotes")
