"""Migrations: the stairway, the models matching the migrations, and a failed upgrade leaving nothing behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError, ProgrammingError

from maas.storage import migrate
from maas.storage.engine import create_engine
from maas.storage.tables import metadata


async def _tables(engine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names())) - {"alembic_version"}


async def test_stairway_upgrade_downgrade_upgrade_every_revision(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        previous = "base"
        for revision in migrate.revisions():
            await migrate.upgrade(engine, revision)
            await migrate.downgrade(engine, previous)
            await migrate.upgrade(engine, revision)
            assert await migrate.current_revision(engine) == revision
            previous = revision
        await migrate.downgrade(engine, "base")
        assert await _tables(engine) == set()
    finally:
        await engine.dispose()


async def test_migrations_match_the_table_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
        assert diff == []
        assert await _tables(engine) == set(metadata.tables)
    finally:
        await engine.dispose()


async def test_a_failing_migration_leaves_the_database_as_it_was(empty_database_url: str, tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_broken.py").write_text(
        '"""A revision that creates a table and then fails."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999'\ndown_revision = {migrate.head_revision()!r}\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n"
        "    op.create_table('half_done', sa.Column('id', sa.Integer(), primary_key=True))\n"
        "    op.execute('SELECT * FROM no_such_table')\n"
        "def downgrade():\n    op.drop_table('half_done')\n",
        encoding="utf-8",
    )
    engine = create_engine(empty_database_url)
    try:
        with pytest.raises((OperationalError, ProgrammingError)):
            await migrate.upgrade(engine, script_location=scripts)
        # Not even the good revisions before the broken one stay applied: all or nothing.
        assert await _tables(engine) == set()
        assert await migrate.current_revision(engine) is None
        await migrate.upgrade(engine)
        with pytest.raises((OperationalError, ProgrammingError)):
            await migrate.upgrade(engine, script_location=scripts)
        assert "half_done" not in await _tables(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
