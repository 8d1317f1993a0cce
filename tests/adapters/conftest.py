"""Fixtures of the adapter tests, over the session's sandbox ``world`` (tests/conftest.py):
its sources as configured, a connection that reads the native databases directly,
and a copy of the SQL departments in PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import POSTGRES_URL, _postgres_or_skip
from tests.sandbox.native import open_native
from tests.support.harness import SandboxWorld
from xietong.adapters.config import SourceConfig, load_sources
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.schemas import SCHEMAS

POSTGRES_COPIES = ("education", "fire", "bank_sql")
"""The SQL departments that also run on PostgreSQL in these tests."""


@pytest.fixture(scope="session")
def sandbox_sources(world: SandboxWorld) -> dict[str, SourceConfig]:
    """The world's sources, by format (``education``, ``bank-songdu``, ...)."""
    return {config.format: config for config in load_sources(world.sources_file)}


@pytest.fixture
def native(world: SandboxWorld) -> Iterator[sqlite3.Connection]:
    connection = open_native(world.data_dir)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def postgres_departments(world: SandboxWorld) -> Iterator[str]:
    """A URL whose connections see the education, fire and Jinming bank tables,
    row for row as in the world's SQLite files, in a schema of their own."""
    _postgres_or_skip()
    schema = f"departments_{uuid.uuid4().hex[:12]}"
    databases = sandbox_files(world.data_dir).databases()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as target:
        target.execute(f'CREATE SCHEMA "{schema}"')
        target.execute(f'SET search_path TO "{schema}"')
        for key in POSTGRES_COPIES:
            _copy(sqlite3.connect(databases[key]), target, SCHEMAS[key].tables)
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as target:
            target.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _copy(source: sqlite3.Connection, target: psycopg.Connection, ddl: tuple[str, ...]) -> None:
    try:
        for create in ddl:
            target.execute(create)  # the native DDL is plain SQL both databases take
        tables = [
            name
            for (name,) in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            with target.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in source.execute(f"SELECT * FROM {table}"):
                    copy.write_row(row)
    finally:
        source.close()
