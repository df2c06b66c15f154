"""Shared fixtures: repository paths, the real-data corpus and the test databases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# create_postgres_database and drop_postgres_database stay importable from here for older modules.
from tests.databases import (  # noqa: F401
    POSTGRES_ADMIN_URL, SQLITE_ONLY, PostgresClones, build_sqlite_template, copy_sqlite, create_postgres_database,
    drop_postgres_database, postgres_template, run_blocking,
)

# localstripe_url, a session fixture, for every module that pays through localstripe.
pytest_plugins = ["tests.localstripe"]
REPO_ROOT = Path(__file__).resolve().parent.parent
# HYPOTHESIS_PROFILE=thorough: hypothesis' own defaults raised, and tests/examples.py's full counts.
hypothesis_settings.register_profile("thorough", max_examples=500)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
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


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules marked sqlite_only run their database fixtures on SQLite alone.

    A parametrize mark added here, before pytest parametrizes the fixtures, takes precedence over
    the fixtures' own params.
    """
    if metafunc.definition.get_closest_marker(SQLITE_ONLY) is None:
        return
    for name in ("database_url", "empty_database_url"):
        if name in metafunc.fixturenames:
            metafunc.definition.add_marker(pytest.mark.parametrize(name, ["sqlite"], indirect=True))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision once per session; tests get copies."""
    return build_sqlite_template(tmp_path_factory.mktemp("template") / "maas.sqlite3")


@pytest.fixture(scope="session")
def postgres_template_name() -> str:
    """The migrated PostgreSQL template database, shared by sessions with the same migrations."""
    return run_blocking(postgres_template)


@pytest.fixture(scope="session")
def postgres_clones(postgres_template_name: str):
    """Copies of the PostgreSQL template, made ahead in a background thread."""
    clones = PostgresClones(postgres_template_name)
    yield clones
    clones.close()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A database migrated to the newest revision, of its own: a copy of the SQLite template file,
    or a PostgreSQL database cloned from the template and dropped afterwards."""
    if request.param == "sqlite":
        yield copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "maas.sqlite3")
        return
    clones: PostgresClones = request.getfixturevalue("postgres_clones")
    url = clones.take()
    try:
        yield url
    finally:
        clones.give_back(url)


@pytest.fixture(params=DATABASES)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database (no tables, no revision), for migration tests."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
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

    built = build_container(settings, hasher=fast_hasher)
    yield built
    await built.aclose()
