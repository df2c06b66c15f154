"""Accounts get a phone number and a member number, so the call centre can find a caller.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("phone", sa.String(), nullable=True))  # digits only
        batch.add_column(sa.Column("member_no", sa.String(), nullable=True))
        batch.create_index("ix_accounts_phone", ["phone"])
        batch.create_index("ix_accounts_member_no", ["member_no"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_member_no")
        batch.drop_index("ix_accounts_phone")
        batch.drop_column("member_no")
        batch.drop_column("phone")
