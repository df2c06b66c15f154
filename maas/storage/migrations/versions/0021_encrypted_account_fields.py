"""Accounts keep home, needs and phone encrypted (maas.storage.field_cipher), with a keyed search
index for the phone. Rows written before stay readable as they are and are encrypted when next saved.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_COLUMNS = ("home_enc", "needs_enc", "phone_enc", "phone_index")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
