"""Stop kana and English names and a normalised search column, for stop search by name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_stops") as batch:
        for name in ("name_kana", "name_en", "search_text"):
            batch.add_column(sa.Column(name, sa.String(), nullable=False, server_default=""))
    # Stops imported before this revision stay findable by name until their feed is imported again.
    op.execute("UPDATE feed_stops SET search_text = lower(replace(name, ' ', ''))")


def downgrade() -> None:
    with op.batch_alter_table("feed_stops") as batch:
        for name in ("search_text", "name_en", "name_kana"):
            batch.drop_column(name)
