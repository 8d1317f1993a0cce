"""Screening a SQLite access log inside SQLite: what the log writes passes, a changed
event never does, and ranges screened in parallel processes find what one does."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from multiprocessing import Queue, get_context
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from tests.audit.strategies import DRAFTS, GROWING_CHAIN, READ
from xietong.audit.events import AuditDraft
from xietong.audit.screen import suspects
from xietong.audit.verify import verify_chain
from xietong.hub.services import Hub
from xietong.kernel.db import create_sync_engine
from xietong.kernel.settings import Settings


@pytest.fixture
async def hub(tmp_path: Path, migrated_sqlite_template: Path) -> AsyncIterator[Hub]:
    database = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    environment = {"XIETONG_DATABASE_URL": f"sqlite:///{database}"}
    opened = await Hub.open(Settings.from_env(environment, data_dir=tmp_path))
    yield opened
    await opened.close()


def database_of(hub: Hub) -> Path:
    return Path(hub.settings.database_url.removeprefix("sqlite:///"))


async def append(hub: Hub, draft: AuditDraft, times: int, duration_ms: float = 2.25) -> None:
    for _ in range(times):
        await hub.audit_log.append(draft, at=datetime.now(UTC), duration_ms=duration_ms)


def tamper(hub: Hub, statement: str, **values: Any) -> None:
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
            connection.execute(text(statement), values)
    finally:
        engine.dispose()


def verify(hub: Hub) -> Any:
    engine = create_sync_engine(hub.settings.database_url)
    try:
        return verify_chain(engine)
    finally:
        engine.dispose()


@pytest.mark.slow
@GROWING_CHAIN
@given(
    drafts=st.lists(DRAFTS, min_size=1, max_size=4),
    duration=st.floats(min_value=0, max_value=1e7),
)
async def test_events_as_the_log_writes_them_pass_the_screen(
    hub: Hub, drafts: list[AuditDraft], duration: float
) -> None:
    for draft in drafts:
        await append(hub, draft, 1, duration)
    with hub.audit_log.engine.connect() as connection:
        last_seq = connection.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()

    assert suspects(database_of(hub), last_seq) == []


@pytest.mark.parametrize(
    ("statement", "values"),
    [
        ("UPDATE audit_events SET roles = :v WHERE seq = 2", {"v": '["auditor","admin"]'}),
        ("UPDATE audit_events SET variables = :v WHERE seq = 2", {"v": '{"first":51}'}),
        ("UPDATE audit_events SET record_keys = '[]' WHERE seq = 2", {}),
        ("UPDATE audit_events SET subject = '审计员-8' WHERE seq = 2", {}),
        ("UPDATE audit_events SET purpose = NULL WHERE seq = 2", {}),
        ("UPDATE audit_events SET outcome = 'DENIED' WHERE seq = 2", {}),
        # One unit in the last place: a float printed to 15 digits would not show it.
        ("UPDATE audit_events SET duration_ms = :v WHERE seq = 2", {"v": 2.2500000000000004}),
        ("UPDATE audit_events SET duration_ms = '2.25' || 'x' WHERE seq = 2", {}),
        ("UPDATE audit_events SET at = substr(at, 1, 19) WHERE seq = 2", {}),
        ("UPDATE audit_events SET prev_hash = :v WHERE seq = 2", {"v": "0" * 64}),
        # Moving a column's text into the next one keeps the concatenation the same.
        (
            'UPDATE audit_events SET fields_read = \'["Institution.name"],"fields_x":[]\' '
            "WHERE seq = 2",
            {},
        ),
        # A value SQLite refuses to write as JSON: the whole range is left to Python.
        ("UPDATE audit_events SET purpose = X'00ff' WHERE seq = 2", {}),
        ("UPDATE audit_events SET variables = '{not json' WHERE seq = 2", {}),
    ],
)
async def test_a_changed_event_never_passes_the_screen(
    hub: Hub, statement: str, values: dict[str, Any]
) -> None:
    await append(hub, READ, 3)
    tamper(hub, statement, **values)

    assert 2 in suspects(database_of(hub), 3)
    report = verify(hub)
    assert not report.intact
    assert report.first_broken_seq == 2
    assert report.events == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [("roles", """'["\\u0061uditor"]'"""), ("at", "replace(at, ' ', 'T')")],
)
async def test_an_equivalent_spelling_is_a_suspect_but_verifies(
    hub: Hub, column: str, value: str
) -> None:
    """``\\u0061`` is "a", and an ISO time may have its "T": the screen cannot tell,
    the exact check can."""
    await append(hub, READ, 3)
    tamper(hub, f"UPDATE audit_events SET {column} = {value} WHERE seq = 2")

    assert suspects(database_of(hub), 3) == [2]
    assert verify(hub).intact


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ("UPDATE audit_events SET outcome = 'ERROR' WHERE seq = 17", [17]),
        ("DELETE FROM audit_events WHERE seq = 17", [18]),
        ("UPDATE audit_events SET hash = :v WHERE seq = 29", [29, 30]),
    ],
)
async def test_ranges_screened_in_parallel_find_what_one_process_finds(
    hub: Hub, statement: str, found: list[int]
) -> None:
    await append(hub, READ, 30)
    tamper(hub, statement, v="f" * 64)
    database = database_of(hub)
    screened: list[int] = []

    in_parallel = suspects(database, 30, range_size=4, parallel_from=8, progress=screened.append)

    assert in_parallel == suspects(database, 30, range_size=100) == found
    assert sum(screened) == 30


def _screen_in_child(database: Path, answer: Queue[list[int]]) -> None:
    answer.put(suspects(database, 30, range_size=4, parallel_from=8))


@pytest.mark.slow
async def test_a_daemonic_process_screens_on_its_own(hub: Hub) -> None:
    """A daemonic process may not start others: it screens every range itself."""
    await append(hub, READ, 30)
    tamper(hub, "UPDATE audit_events SET outcome = 'ERROR' WHERE seq = 17")
    context = get_context("spawn")
    answer: Queue[list[int]] = context.Queue()
    child = context.Process(target=_screen_in_child, args=(database_of(hub), answer), daemon=True)

    child.start()
    try:
        found = answer.get(timeout=60)
    finally:
        child.join(timeout=10)

    assert found == [17]
    assert child.exitcode == 0
