"""The access log: one event per request, a chain that shows tampering, and fail-closed."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from xietong.audit.verify import verify_chain
from xietong.cli import app
from xietong.hub.services import Hub
from xietong.kernel.db import create_sync_engine
from xietong.kernel.settings import Settings
from xietong.web.app import create_app


@pytest.fixture
async def hub(tmp_path: Path, hub_database_url: str) -> AsyncIterator[Hub]:
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    settings = Settings.from_env({"XIETONG_DATABASE_URL": hub_database_url}, data_dir=tmp_path)
    opened = await Hub.open(settings)
    yield opened
    await opened.close()


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(hub.settings, hub=hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as client:
        yield client


def stored(hub: Hub) -> list[dict[str, object]]:
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM audit_events ORDER BY seq"))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def tamper(hub: Hub, statement: str) -> None:
    """What an attacker with database access would do: lift the guard, change a row."""
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(text("DROP TRIGGER audit_events_no_update"))
                connection.execute(text("DROP TRIGGER audit_events_no_delete"))
            else:
                connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            connection.execute(text(statement))
    finally:
        engine.dispose()


async def test_an_unauthenticated_request_leaves_one_event(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    response = await client.post("/graphql", json={"query": "{ me { clientId } }"})

    assert response.status_code == 401
    events = stored(hub)
    assert len(events) == 1
    assert events[0]["outcome"] == "UNAUTHENTICATED"
    assert events[0]["client_id"] is None
    assert events[0]["seq"] == 1
    assert events[0]["prev_hash"] == "0" * 64


async def test_events_form_one_chain_that_verifies(client: httpx.AsyncClient, hub: Hub) -> None:
    for _ in range(5):
        await client.post("/graphql", json={"query": "{ me { clientId } }"})

    engine = create_sync_engine(hub.settings.database_url)
    try:
        report = verify_chain(engine)
    finally:
        engine.dispose()

    events = stored(hub)
    assert [event["seq"] for event in events] == [1, 2, 3, 4, 5]
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(events))
    assert report.intact
    assert report.events == 5
    assert report.head_hash == events[-1]["hash"]


@pytest.mark.parametrize(
    ("statement", "first_broken", "reason"),
    [
        ("UPDATE audit_events SET outcome = 'OK' WHERE seq = 2", 2, "does not match its hash"),
        ("DELETE FROM audit_events WHERE seq = 2", 2, "sequence jumps"),
        ("DELETE FROM audit_events WHERE seq = 3", 3, "events removed"),
    ],
)
async def test_a_tampered_log_names_the_first_broken_event(
    client: httpx.AsyncClient, hub: Hub, statement: str, first_broken: int, reason: str
) -> None:
    for _ in range(3):
        await client.post("/graphql", json={"query": "{ me { clientId } }"})
    tamper(hub, statement)

    engine = create_sync_engine(hub.settings.database_url)
    try:
        report = verify_chain(engine)
    finally:
        engine.dispose()

    assert not report.intact
    assert report.first_broken_seq == first_broken
    assert reason in (report.reason or "")


async def test_when_the_log_cannot_be_written_the_request_fails_closed(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_events RENAME TO audit_events_gone"))
    finally:
        engine.dispose()

    response = await client.post("/graphql", json={"query": "{ me { clientId } }"})

    assert response.status_code == 500
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"


def run_cli(hub: Hub, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["audit", *args], env={"XIETONG_DATABASE_URL": hub.settings.database_url}
    )
    return result.exit_code, result.output


async def test_audit_verify_exits_non_zero_naming_the_first_broken_event(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    for _ in range(4):
        await client.post("/graphql", json={"query": "{ me { clientId } }"})
    assert run_cli(hub, "verify")[0] == 0
    tamper(hub, "UPDATE audit_events SET client_id = 'someone-else' WHERE seq = 3")

    code, output = run_cli(hub, "verify")

    assert code == 1
    assert "BROKEN at event 3" in output


@pytest.mark.parametrize("export_format", ["jsonl", "csv"])
async def test_audit_export_streams_every_event_with_its_hashes(
    client: httpx.AsyncClient, hub: Hub, tmp_path: Path, export_format: str
) -> None:
    for _ in range(3):
        await client.post("/graphql", json={"query": "{ me { clientId } }"})
    target = tmp_path / f"log.{export_format}"

    code, _ = run_cli(hub, "export", "--format", export_format, "--output", str(target))

    assert code == 0
    text_ = target.read_text(encoding="utf-8")
    if export_format == "jsonl":
        rows = [json.loads(line) for line in text_.splitlines()]
    else:
        rows = list(csv.DictReader(io.StringIO(text_)))
    assert [int(row["seq"]) for row in rows] == [1, 2, 3]
    assert [row["hash"] for row in rows] == [event["hash"] for event in stored(hub)]
    assert {row["outcome"] for row in rows} == {"UNAUTHENTICATED"}
