"""Fixtures shared by every test package.

``hub_database_url`` runs a test once on SQLite and once on PostgreSQL, each on a
fresh, migrated database (a schema of its own on PostgreSQL, dropped afterwards).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.harness import HubHarness, SandboxWorld, hub_harness, sandbox_world
from xietong.kernel.migrate import upgrade

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


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema of their own."""
    _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, copied for each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty hub database: SQLite and PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_schema_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def hub_database_url(empty_database_url: str, migrated_sqlite_template: Path) -> str:
    """A fresh hub database migrated to head: SQLite and PostgreSQL."""
    if empty_database_url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite_template, empty_database_url.removeprefix("sqlite:///"))
    else:
        upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxWorld]:
    """The sandbox departments, seeded with 120 institutions and serving over HTTP."""
    with sandbox_world(tmp_path_factory.mktemp("world"), institutions=120) as seeded:
        yield seeded


@pytest.fixture
async def harness(hub_database_url: str, world: SandboxWorld) -> AsyncIterator[HubHarness]:
    """The hub over ``world``, on SQLite and on PostgreSQL."""
    async with hub_harness(hub_database_url, world) as opened:
        yield opened


@pytest.fixture
async def sqlite_harness(
    migrated_sqlite_template: Path, tmp_path: Path, world: SandboxWorld
) -> AsyncIterator[HubHarness]:
    """The hub over ``world`` on SQLite only, for what does not depend on the database."""
    database = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)
    async with hub_harness(f"sqlite:///{database}", world) as opened:
        yield opened
