"""Migration 0020 on a database with riders from before it: their self-declared birth date,
residency and needs become declared claims, worth nothing until staff verify them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from maas.storage import migrate
from maas.storage.engine import create_engine


async def test_self_declared_values_become_declared_claims(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine, "0015")
        async with engine.begin() as conn:
            for account_id, role, born, resident, needs in (
                    ("acc_haru", "rider", "1941-05-12", True, '["walking_aid"]'),
                    ("acc_ken", "rider", None, False, "[]"),
                    ("acc_ito", "agent", "1980-01-01", True, "[]")):
                await conn.execute(text(
                    "INSERT INTO accounts (id, email, display_name, role, password_hash, birth_date, needs, resident,"
                    " created_at) VALUES (:id, :email, 'x', :role, 'h', :born, :needs, :resident, :at)"),
                    {"id": account_id, "email": f"{account_id}@example.jp", "role": role,
                     "born": None if born is None else dt.date.fromisoformat(born),
                     "needs": needs, "resident": resident, "at": dt.datetime(
                         2026, 1, 1, tzinfo=dt.UTC)})
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT account_id, type, value, status, declared_by FROM entitlement_claims ORDER BY type"))).all()
        assert sorted(tuple(r) for r in rows) == [
            ("acc_haru", "age", "1941-05-12", "declared", "acc_haru"),
            ("acc_haru", "disability", "walking_aid", "declared", "acc_haru"),
            ("acc_haru", "residency", "resident", "declared", "acc_haru")]
    finally:
        await engine.dispose()
