"""Readiness tells the truth: ready while the hub's store takes writes, whatever
the department sources do."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from tests.conftest import POSTGRES_URL
from xietong.hub.services import Hub
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import Settings
from xietong.web.app import create_app


@dataclass(frozen=True, slots=True)
class Store:
    url: str
    refuse_writes: Callable[[], None]
    restore: Callable[[], None]


@pytest.fixture
def sqlite_store(tmp_path: Path, migrated_sqlite_template: Path) -> Iterator[Store]:
    """The store's file, written to by someone else who holds its write lock."""
    path = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, path)
    holder = sqlite3.connect(path, isolation_level=None)

    def refuse_writes() -> None:
        holder.execute("BEGIN IMMEDIATE")

    def restore() -> None:
        holder.execute("ROLLBACK")

    yield Store(f"sqlite:///{path}", refuse_writes, restore)
    holder.close()


@pytest.fixture
def postgres_store(postgres_schema_url: str) -> Iterator[Store]:
    """A schema of its own, used by a role of its own whose write grants are revoked."""
    upgrade(postgres_schema_url)
    schema = postgres_schema_url.rsplit("%3D", 1)[1]
    role = f"r_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(POSTGRES_URL, autocommit=True)
    admin.execute(f'CREATE ROLE "{role}" LOGIN')
    admin.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
    grant = f'ALL TABLES IN SCHEMA "{schema}"'
    admin.execute(f'GRANT SELECT, INSERT, UPDATE ON {grant} TO "{role}"')
    parts = urlsplit(postgres_schema_url)
    url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))

    def refuse_writes() -> None:
        admin.execute(f'REVOKE INSERT, UPDATE ON {grant} FROM "{role}"')

    def restore() -> None:
        admin.execute(f'GRANT INSERT, UPDATE ON {grant} TO "{role}"')

    try:
        yield Store(url, refuse_writes, restore)
    finally:
        admin.execute(f'REVOKE ALL ON {grant} FROM "{role}"')
        admin.execute(f'REVOKE ALL ON SCHEMA "{schema}" FROM "{role}"')
        admin.execute(f'DROP ROLE "{role}"')
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Store:
    found: Store = request.getfixturevalue(f"{request.param}_store")
    return found


@pytest.fixture
async def client(tmp_path: Path, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    settings = Settings.from_env({"XIETONG_DATABASE_URL": store.url}, data_dir=tmp_path)
    hub = await Hub.open(settings)
    app = create_app(settings, hub=hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as client:
        yield client
    await hub.close()


async def test_readyz_is_503_naming_the_store_while_it_refuses_writes(
    client: httpx.AsyncClient, store: Store
) -> None:
    assert (await client.get("/readyz")).status_code == 200

    store.refuse_writes()
    try:
        refused = await client.get("/readyz")
    finally:
        store.restore()
    restored = await client.get("/readyz")

    assert refused.status_code == 503
    body = refused.json()
    assert body["status"] == "not ready"
    assert [failure["name"] for failure in body["failing"]] == ["hub-database"]
    assert "does not take writes" in body["database"]
    assert restored.status_code == 200
    assert restored.json()["database"] == "ok"
