"""Concession grounds become claims staff verify; consents and the access audit; erased accounts.

Today's self-declared birth dates, residency and needs become declared (unverified) claims: they
stop lowering fares until staff verify them on a document.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(_utc("erased_at", nullable=True))
    claims = op.create_table(
        "entitlement_claims",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("account_id", sa.String(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("declared_by", sa.String(), nullable=False),
        _utc("declared_at"),
        sa.Column("decided_by", sa.String(), nullable=True),
        _utc("decided_at", nullable=True),
        sa.Column("document_type", sa.String(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
    )
    op.create_index("ix_entitlement_claims_account_id", "entitlement_claims", ["account_id"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.String(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        _utc("at"),
    )
    op.create_index("ix_consents_account_id", "consents", ["account_id"])
    op.create_index("ix_consents_account_kind", "consents", ["account_id", "kind"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _utc("at"),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("actor_role", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_subject_at", "audit_entries", ["subject_id", "at"])
    _declare_existing(claims)


def _declare_existing(claims: sa.Table) -> None:
    """Every account's birth date, residency and needs, as declared claims of its own."""
    bind = op.get_bind()
    accounts = bind.execute(sa.text(
        "SELECT id, birth_date, resident, needs, created_at FROM accounts WHERE role = 'rider'")).fetchall()
    rows = []
    for account_id, birth_date, resident, needs, created_at in accounts:
        needs = json.loads(needs) if isinstance(needs, str) else (needs or [])
        wanted = ([("age", str(birth_date)[:10])] if birth_date is not None else []) + \
            ([("residency", "resident")] if resident else []) + [("disability", n) for n in needs]
        at = created_at if isinstance(created_at, dt.datetime) else dt.datetime.now(dt.UTC)
        rows += [{"id": f"clm_{uuid.uuid4().hex}", "account_id": account_id, "type": kind, "value": value,
                  "status": "declared", "declared_by": account_id, "declared_at": at} for kind, value in wanted]
    if rows:
        op.bulk_insert(claims, rows)


def downgrade() -> None:
    op.drop_table("audit_entries")
    op.drop_table("consents")
    op.drop_table("entitlement_claims")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("erased_at")
