"""The hub database's one Alembic history (runs on SQLite and PostgreSQL)."""
