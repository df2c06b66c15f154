"""Accounts and sessions, operators and API keys, imported feeds, places.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _feed_fk(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "feed_id", sa.String(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=primary_key, nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("home_lat", sa.Float(), nullable=True),
        sa.Column("home_lon", sa.Float(), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("resident", sa.Boolean(), nullable=False),
        _utc("created_at"),
    )
    op.create_index("ix_accounts_email", "accounts", ["email"], unique=True)
    op.create_index("ix_accounts_role", "accounts", ["role"])
    op.create_table(
        "session_tokens",
        sa.Column("token_hash", sa.String(), primary_key=True),
        sa.Column("account_id", sa.String(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        _utc("expires_at"),
    )
    op.create_index("ix_session_tokens_account_id", "session_tokens", ["account_id"])
    op.create_table(
        "operators",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        _utc("created_at"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("operator_id", sa.String(), sa.ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("secret_hash", sa.String(), nullable=False),
        _utc("created_at"),
        _utc("revoked_at", nullable=True),
    )
    op.create_index("ix_api_keys_operator_id", "api_keys", ["operator_id"])
    op.create_table(
        "feeds",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("service_start", sa.Date(), nullable=True),
        sa.Column("service_end", sa.Date(), nullable=True),
        *(sa.Column(n, sa.Integer(), nullable=False) for n in _FEED_COUNTS),
        _utc("imported_at"),
    )
    op.create_index("ix_feeds_name", "feeds", ["name"], unique=True)
    op.create_table(
        "feed_stops",
        _feed_fk(primary_key=True),
        sa.Column("stop_id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("location_type", sa.Integer(), nullable=False),
        sa.Column("parent_station", sa.String(), nullable=True),
        sa.Column("wheelchair_boarding", sa.Integer(), nullable=False),
    )
    op.create_table(
        "feed_routes",
        _feed_fk(primary_key=True),
        sa.Column("route_id", sa.String(), primary_key=True),
        sa.Column("agency_id", sa.String(), nullable=True),
        sa.Column("short_name", sa.String(), nullable=False),
        sa.Column("long_name", sa.String(), nullable=False),
        sa.Column("route_type", sa.Integer(), nullable=False),
    )
    op.create_table(
        "feed_issues",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _feed_fk(),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(), nullable=True),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
    )
    op.create_index("ix_feed_issues_feed_id", "feed_issues", ["feed_id"])
    op.create_table(
        "places",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("region_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("name_kana", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
    )
    op.create_index("ix_places_region_category", "places", ["region_id", "category"])


_FEED_COUNTS = ("stop_count", "route_count", "trip_count", "stop_time_count", "error_count", "warning_count")


def downgrade() -> None:
    for table in ("places", "feed_issues", "feed_routes", "feed_stops", "feeds", "api_keys", "operators"):
        op.drop_table(table)
    op.drop_table("session_tokens")
    op.drop_table("accounts")
