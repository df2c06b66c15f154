"""Storage adapter: sqlmodel tables on SQLAlchemy's async engine (SQLite or PostgreSQL) and Alembic migrations."""
