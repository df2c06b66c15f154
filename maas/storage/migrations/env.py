"""Alembic environment: runs on the connection `maas.storage.migrate` hands over."""

from __future__ import annotations

from alembic import context

from maas.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `maas db upgrade` (maas.storage.migrate), which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
    # maas.storage.engine makes SQLite open a real transaction before DDL too.
    transactional_ddl=True,
)
context.run_migrations()
