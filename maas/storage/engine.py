"""Async engine construction with per-dialect settings that make transactions mean the same everywhere."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


READ_ONLY = "maas_read_only"  # connection execution option: this transaction will not write


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(database_url)
    return create_async_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite gives its -wal and -shm files
    the same mode); an existing file is left as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.fchmod(fd, 0o600)  # whatever the umask
    os.close(fd)


def _sqlite_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.database and url.database != ":memory:":
        _private_file(Path(url.database))
    engine = create_async_engine(database_url, connect_args={"timeout": 30})

    # pysqlite opens transactions lazily and never around DDL, so a failed migration or
    # import would leave half its work behind; take over BEGIN so every block is atomic.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        # A transaction that only reads (READ_ONLY) takes no write lock: under WAL it never waits
        # for writers, nor makes them wait (the health check must not queue behind the plans).
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
