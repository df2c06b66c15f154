"""Test databases: empty ones, and migrated ones cloned from a template migrated once.

Migrating through every revision costs seconds on PostgreSQL, so each test session migrates a
template once and every test gets a copy: `CREATE DATABASE … TEMPLATE maas_template_<digest>` on
PostgreSQL, a file copy on SQLite. The digest covers the migration scripts, so a changed revision
makes a new template. The PostgreSQL template outlives the session (other sessions on the same
server reuse it) and is built under an advisory lock, then renamed into place, so parallel
sessions never see a half-migrated template; no one may connect to it, because
`CREATE DATABASE … TEMPLATE` fails while another session is connected to the template. Copies
are made one or two ahead in a background thread (PostgresClones).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
import sqlite3
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get("MAAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Test modules whose database_url runs on SQLite only (docs/guide.md, section 5, lists why).
SQLITE_ONLY = "sqlite_only"
T = TypeVar("T")


def migrations_digest(directory: Path | None = None) -> str:
    """A digest of every migration script's name and text: a template is valid for exactly these."""
    from maas.storage.migrate import MIGRATIONS_DIR

    directory = directory or MIGRATIONS_DIR
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def run_blocking(coroutine_function: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even when an event loop is running
    (a session fixture first requested from inside an async fixture): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine_function())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine_function()).result()


def _async_url(name: str) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def _admin():
    import asyncpg

    try:
        return await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is required under CI=true: {type(exc).__name__}: {exc}")
        pytest.skip(f"PostgreSQL not reachable ({type(exc).__name__}: {exc})")


async def create_postgres_database(template: str | None = None) -> str:
    """A new PostgreSQL database, empty or a copy of `template`; skips (fails under CI=true) without a server."""
    import asyncpg

    name = f"maas_test_{secrets.token_hex(6)}"
    admin = await _admin()
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        for attempt in range(5):
            try:
                await admin.execute(f'CREATE DATABASE "{name}"{clause}')
                break
            except asyncpg.ObjectInUseError:  # someone is connected to the template: wait, then retry
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
    finally:
        await admin.close()
    return _async_url(name)


async def drop_postgres_database(url: str) -> None:
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


async def postgres_template() -> str:
    """The name of the migrated PostgreSQL template for the current migrations, built if missing."""
    from maas.storage import migrate
    from maas.storage.engine import create_engine

    digest = migrations_digest()
    name = f"maas_template_{digest}"
    admin = await _admin()
    try:
        # One builder at a time across sessions (and xdist workers); the lock dies with the connection.
        await admin.execute("SELECT pg_advisory_lock($1)", int(digest[:15], 16))
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return name
        building = f"maas_building_{digest}_{secrets.token_hex(3)}"
        await admin.execute(f'CREATE DATABASE "{building}"')
        engine = create_engine(_async_url(building))
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        return name
    finally:
        await admin.close()  # releases the advisory lock


class PostgresClones:
    """Copies of the template made ahead in a thread of their own, so a test seldom waits for
    CREATE DATABASE (half a second each); the databases tests are done with are dropped there too."""

    def __init__(self, template: str, ahead: int = 2) -> None:
        self._template = template
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-clones")
        self._ready: deque[Future[str]] = deque(self._worker.submit(self._clone) for _ in range(ahead))

    def _clone(self) -> str:
        return asyncio.run(create_postgres_database(template=self._template))

    def take(self) -> str:
        """A database of the caller's own, a copy of the template; the next one is started at once."""
        made = self._ready.popleft()
        self._ready.append(self._worker.submit(self._clone))
        return made.result()

    def give_back(self, url: str) -> None:
        self._worker.submit(lambda: asyncio.run(drop_postgres_database(url)))

    def close(self) -> None:
        """Drop the copies made ahead and wait for every drop."""
        for made in self._ready:
            try:
                self.give_back(made.result())
            except BaseException:  # a copy that failed (a skip, a lost server) has nothing to drop
                pass
        self._worker.shutdown(wait=True)


def build_sqlite_template(path: Path) -> Path:
    """A migrated SQLite file at `path`, in rollback-journal mode so that the one file is the whole database."""
    from maas.storage import migrate
    from maas.storage.engine import create_engine

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    run_blocking(build)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


def copy_sqlite(template: Path, path: Path) -> str:
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def dump_database(engine) -> str:
    """Every row of every table as text (SQLite and PostgreSQL alike): what a leaked backup shows."""
    from sqlalchemy import inspect, text

    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        parts = []
        for name in names:
            rows = (await conn.execute(text(f'SELECT * FROM "{name}"'))).all()
            parts += [name, *(repr(tuple(r)) for r in rows)]
    return "\n".join(parts)
