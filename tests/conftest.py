"""Fixtures shared by every test package.

``hub_database_url`` runs a test once on SQLite and once on PostgreSQL, each on a
fresh, migrated database (a schema of its own on PostgreSQL, dropped afterwards).
Alembic runs once per session (per xdist worker) and database kind: on SQLite into a
file copied for each test, on PostgreSQL into a schema while its SQL is recorded,
then replayed into each test's schema.

Why not ``CREATE DATABASE ... TEMPLATE``: the copy is quick (about 0.08 s against
0.3-0.5 s for Alembic into a fresh schema, 0.16-0.25 s for the replay), but
PostgreSQL 15 forces a checkpoint on every ``DROP DATABASE``, which took 1-13 s on
this shared server, so the session ended slower than with schemas.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import event

from tests.support.harness import HubHarness, SandboxWorld, hub_harness, sandbox_world
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import alembic_config, upgrade

POSTGRES_URL = os.environ.get(
    "XIETONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _postgres_or_skip() -> None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable in CI: {error}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}")


_DROPPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-schema")
"""Drops the schemas of finished tests while the next test runs (a drop takes
0.1-0.2 s, mostly the server's file work); ``_schemas_dropped`` waits for them."""
_DROPS: list[Future[None]] = []


def _drop_schema(schema: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session", autouse=True)
def _schemas_dropped() -> Iterator[None]:
    """Every schema a test made is gone when the session ends (a drop that failed
    fails the session here)."""
    yield
    _DROPPER.shutdown(wait=True)
    for drop in _DROPS:
        drop.result()


@contextmanager
def _fresh_schema(prefix: str = "t") -> Iterator[tuple[str, str]]:
    """A new, empty schema and a URL whose connections see only it; dropped after
    (in the background: nothing else uses its name)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        _DROPS.append(_DROPPER.submit(_drop_schema, schema))


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema of their own."""
    _postgres_or_skip()
    with _fresh_schema() as (_, url):
        yield url


@pytest.fixture(scope="session")
def postgres_migration(worker_id: str) -> str:
    """What Alembic sends PostgreSQL to bring an empty schema to head, recorded once
    per session (and xdist worker) from a real ``alembic upgrade head``, as one
    script: parameters rendered in by the driver, Alembic's reads of the catalog
    left out. Replayed in one round trip, it takes a tenth of a second less than
    the same statements one by one."""
    _postgres_or_skip()
    recorded: list[tuple[str, Any]] = []

    def record(*arguments: Any) -> None:
        _connection, _cursor, sql, parameters, _context, many = arguments
        assert not many, "the migration's statements are replayed one at a time"
        if not sql.lstrip().upper().startswith("SELECT"):
            recorded.append(
                (sql, dict(parameters) if isinstance(parameters, Mapping) else parameters)
            )

    with _fresh_schema(f"template_{worker_id}") as (_, url):
        engine = create_sync_engine(url)
        event.listen(engine, "before_cursor_execute", record)
        try:
            with engine.begin() as connection:
                config = alembic_config(url)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        finally:
            engine.dispose()
    assert any(sql.lstrip().startswith("CREATE TABLE") for sql, _ in recorded)
    with psycopg.connect(POSTGRES_URL) as renderer:
        cursor = psycopg.ClientCursor(renderer)
        return ";\n".join(cursor.mogrify(sql, parameters) for sql, parameters in recorded)


@pytest.fixture
def postgres_database_url(postgres_migration: str) -> Iterator[str]:
    """A fresh schema brought to head by replaying the recorded migration."""
    with _fresh_schema() as (schema, url):
        with psycopg.connect(POSTGRES_URL) as connection:
            connection.execute(f'SET LOCAL search_path TO "{schema}";\n{postgres_migration}')
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    upgrade(f"sqlite:///{path}")
    return path


BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]
"""A test of the hub's store runs on both; its PostgreSQL run is left out of the quick
lane (``-m "not slow"``), which runs every such test once, on SQLite."""


@pytest.fixture(params=BOTH_DATABASES)
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty hub database: SQLite and PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_schema_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(params=BOTH_DATABASES)
def hub_database_url(request: pytest.FixtureRequest, migrated_sqlite_template: Path) -> str:
    """A fresh hub database migrated to head: SQLite and PostgreSQL."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database_url")
        return url
    path: Path = request.getfixturevalue("tmp_path") / "hub.db"
    shutil.copyfile(migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    """The sandbox departments, seeded with 120 institutions and serving over HTTP."""
    with sandbox_world(tmp_path_factory.mktemp("world"), institutions=120) as seeded:
        yield seeded


@pytest.fixture(scope="session")
def prepared_sqlite_template(
    migrated_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, world: SandboxWorld
) -> Path:
    """The migrated template with a signing key and the demo clients registered, as
    every harness starts: made once, copied for each test (registering eleven
    clients in as many transactions is a tenth of a second a test)."""
    path = tmp_path_factory.mktemp("prepared") / "hub.db"
    shutil.copyfile(migrated_sqlite_template, path)

    async def prepare() -> None:
        async with hub_harness(f"sqlite:///{path}", world):
            pass

    asyncio.run(prepare())
    return path


@pytest.fixture(scope="session")
def prepared_postgres_rows(postgres_migration: str, world: SandboxWorld) -> Iterator[str]:
    """What a harness adds to a migrated PostgreSQL schema (the signing key, the
    demo clients), made once in a schema of its own and kept for the session: the
    SQL that copies those rows into a fresh schema on the server."""
    with _fresh_schema("prepared") as (schema, url):
        with psycopg.connect(POSTGRES_URL) as connection:
            connection.execute(f'SET LOCAL search_path TO "{schema}";\n{postgres_migration}')
        before = _tables_with_rows(schema)

        async def prepare() -> None:
            async with hub_harness(url, world):
                pass

        # Asked for from inside a running test's event loop: a loop of its own.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, prepare()).result()
        added = sorted(_tables_with_rows(schema) - before)
        assert added, "the harness registered nothing"
        yield ";\n".join(
            f'INSERT INTO "{table}" SELECT * FROM "{schema}"."{table}"' for table in added
        )


def _tables_with_rows(schema: str) -> set[str]:
    with psycopg.connect(POSTGRES_URL) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (schema,),
        ).fetchall()
        return {
            name
            for (name,) in tables
            if connection.execute(f'SELECT EXISTS (SELECT FROM "{schema}"."{name}")').fetchone()
            == (True,)
        }


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest,
    hub_database_url: str,
    world: SandboxWorld,
    prepared_sqlite_template: Path,
) -> AsyncIterator[HubHarness]:
    """The hub over ``world``, on SQLite and on PostgreSQL, each started from a copy
    of what ``hub_harness`` registers (made once per session)."""
    if hub_database_url.startswith("sqlite:///"):
        shutil.copyfile(prepared_sqlite_template, hub_database_url.removeprefix("sqlite:///"))
    else:
        rows: str = request.getfixturevalue("prepared_postgres_rows")
        with psycopg.connect(hub_database_url) as connection:
            connection.execute(rows)
    async with hub_harness(hub_database_url, world, register_clients=False) as opened:
        yield opened


@pytest.fixture
async def sqlite_harness(
    prepared_sqlite_template: Path, tmp_path: Path, world: SandboxWorld
) -> AsyncIterator[HubHarness]:
    """The hub over ``world`` on SQLite only, for what does not depend on the database."""
    database = tmp_path / "hub.db"
    shutil.copyfile(prepared_sqlite_template, database)
    async with hub_harness(f"sqlite:///{database}", world, register_clients=False) as opened:
        yield opened
