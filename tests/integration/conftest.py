"""Engines on the test database: a migrated one, and a second with its own connection pool (as
another process of the service would have), for the stores' concurrency tests."""

from __future__ import annotations

import pytest

from maas.storage import migrate
from maas.storage.engine import create_engine


@pytest.fixture
async def engine(database_url: str):
    made = create_engine(database_url)
    await migrate.upgrade(made)
    yield made
    await made.dispose()


@pytest.fixture
async def other_engine(database_url: str, engine):
    other = create_engine(database_url)
    yield other
    await other.dispose()
