"""The test databases themselves: migrated copies of one template, each its own, and empty ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.tables import metadata
from tests.databases import copy_sqlite, create_postgres_database, drop_postgres_database, migrations_digest


async def _state(url: str) -> tuple[str | None, set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        return await migrate.current_revision(engine), tables - {"alembic_version"}
    finally:
        await engine.dispose()


async def _count_accounts(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM accounts"))).scalar_one()
    finally:
        await engine.dispose()


async def test_database_url_is_migrated_to_the_newest_revision(database_url: str) -> None:
    assert await _state(database_url) == (migrate.head_revision(), set(metadata.tables))


async def test_empty_database_url_has_no_tables_and_no_revision(empty_database_url: str) -> None:
    assert await _state(empty_database_url) == (None, set())


async def test_copies_of_the_template_are_independent(database_url: str, request: pytest.FixtureRequest,
                                                      tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        other = copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "other.sqlite3")
    else:
        other = await create_postgres_database(template=request.getfixturevalue("postgres_template_name"))
    try:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DELETE FROM alembic_version"))
        finally:
            await engine.dispose()
        assert await _state(other) == (migrate.head_revision(), set(metadata.tables))
        assert await _state(database_url) == (None, set(metadata.tables))
        assert await _count_accounts(other) == 0
    finally:
        if not other.startswith("sqlite"):
            await drop_postgres_database(other)


@pytest.mark.postgres
async def test_the_postgres_template_takes_no_connections(postgres_template_name: str) -> None:
    import asyncpg

    from tests.databases import POSTGRES_ADMIN_URL

    assert postgres_template_name == f"maas_template_{migrations_digest()}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        allowed = await admin.fetchval("SELECT datallowconn FROM pg_database WHERE datname = $1",
                                       postgres_template_name)
    finally:
        await admin.close()
    assert allowed is False  # a connected session would make CREATE DATABASE ... TEMPLATE fail


def test_the_digest_follows_the_migration_scripts(tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert migrations_digest(copy) == migrations_digest()
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "env.cpython-311.pyc").write_bytes(b"compiled")
    assert migrations_digest(copy) == migrations_digest()
    script = next((copy / "versions").glob("0001_*.py"))
    script.write_text(script.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert migrations_digest(copy) != migrations_digest()


@pytest.mark.sqlite_only
def test_a_sqlite_only_test_gets_no_postgres_variant(database_url: str, request: pytest.FixtureRequest) -> None:
    assert request.node.callspec.params["database_url"] == "sqlite"
    assert database_url.startswith("sqlite+aiosqlite:///")
