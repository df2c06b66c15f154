"""Shared fixtures: repository paths, the real-data corpus and the test databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def corpus_path() -> Path:
    """The corpus location, from the one setting tests and benchmarks share."""
    return Path(os.environ.get("MAAS_CORPUS", str(REPO_ROOT.parent / "shared" / "corpus"))).resolve()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real-data corpus; missing is a skip on a laptop and a failure under CI=true."""
    path = corpus_path()
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"corpus not found at {path} (set MAAS_CORPUS); required under CI=true")
        pytest.skip(f"corpus not found at {path} (set MAAS_CORPUS)")
    return path


POSTGRES_ADMIN_URL = os.environ.get("MAAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _postgres_reachable() -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


async def create_postgres_database() -> str:
    """A new, empty PostgreSQL database; skips (or fails under CI=true) when the server is unreachable."""
    import secrets

    import asyncpg

    problem = await _postgres_reachable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required under CI=true: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    name = f"maas_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'maas.sqlite3'}"
        return
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path):
    from maas.settings import load_settings

    # The planner's background warm-up is tested on its own (tests/e2e/test_api_plan.py).
    return load_settings({}, database_url=database_url, data_dir=tmp_path, planner_warmup=False)


@pytest.fixture
def fast_hasher():
    """Argon2id with small costs: the real KDF, cheap enough for hundreds of test sign-ins."""
    from maas.security import Argon2PasswordHasher

    return Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)


@pytest.fixture
async def container(settings, fast_hasher):
    """The real composition root on a migrated database."""
    from maas.bootstrap import build_container
    from maas.storage import migrate

    built = build_container(settings, hasher=fast_hasher)
    await migrate.upgrade(built.engine)
    yield built
    await built.aclose()
