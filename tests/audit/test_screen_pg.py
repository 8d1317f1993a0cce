"""Screening a PostgreSQL access log inside PostgreSQL: what the log writes passes, a
changed event never does, and what only PostgreSQL writes differently is a suspect
that still verifies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from tests.audit.strategies import DRAFTS, GROWING_CHAIN, READ
from xietong.audit.events import AuditDraft
from xietong.audit.screen_pg import suspects
from xietong.audit.verify import verify_chain
from xietong.hub.services import Hub
from xietong.kernel.db import create_sync_engine
from xietong.kernel.settings import Settings

pytestmark = pytest.mark.postgres


@pytest.fixture
async def hub(tmp_path: Path, postgres_database_url: str) -> AsyncIterator[Hub]:
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    environment = {"XIETONG_DATABASE_URL": postgres_database_url}
    opened = await Hub.open(Settings.from_env(environment, data_dir=tmp_path))
    yield opened
    await opened.close()


@pytest.fixture
def engine(hub: Hub) -> Iterator[Engine]:
    opened = create_sync_engine(hub.settings.database_url)
    yield opened
    opened.dispose()


async def append(hub: Hub, draft: AuditDraft, times: int, duration_ms: float = 2.25) -> None:
    """``times`` events, in order (written together, as requests that come at once)."""
    await asyncio.gather(
        *(
            hub.audit_log.append(draft, at=datetime.now(UTC), duration_ms=duration_ms)
            for _ in range(times)
        )
    )


def tamper(engine: Engine, statement: str, **values: Any) -> None:
    """What an attacker with database access would do: lift the guard, change a row."""
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        connection.execute(text(statement), values)


@pytest.mark.slow
@GROWING_CHAIN
@given(
    drafts=st.lists(DRAFTS, min_size=1, max_size=4),
    duration=st.floats(min_value=0, max_value=1e7),
)
async def test_events_as_the_log_writes_them_pass_the_screen(
    hub: Hub, engine: Engine, drafts: list[AuditDraft], duration: float
) -> None:
    for draft in drafts:
        await append(hub, draft, 1, duration)
    with engine.connect() as connection:
        last_seq = connection.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()

    assert suspects(engine, last_seq) == []


@pytest.mark.parametrize(
    "subject",
    ['say "hi"', "back\\slash", "tab\tnew\nline", "\x01\x1f", "\x7f", "张三 é", "", " "],
)
async def test_strings_that_need_escaping_pass_the_screen(
    hub: Hub, engine: Engine, subject: str
) -> None:
    await append(hub, READ, 1)
    await append(hub, replace(READ, subject=subject, purpose=None, roles=[subject]), 1)

    assert suspects(engine, 2) == []


@pytest.mark.parametrize(
    ("statement", "values"),
    [
        ("UPDATE audit_events SET roles = :v WHERE seq = 2", {"v": '["auditor","admin"]'}),
        ("UPDATE audit_events SET variables = :v WHERE seq = 2", {"v": '{"first":51}'}),
        ("UPDATE audit_events SET record_keys = '[]' WHERE seq = 2", {}),
        ("UPDATE audit_events SET fields_read = '[\"Institution.name\"]' WHERE seq = 2", {}),
        ("UPDATE audit_events SET subject = '审计员-8' WHERE seq = 2", {}),
        ("UPDATE audit_events SET client_id = 'demo-auditor ' WHERE seq = 2", {}),
        ("UPDATE audit_events SET purpose = NULL WHERE seq = 2", {}),
        ("UPDATE audit_events SET case_id = 'CASE-1' WHERE seq = 2", {}),
        ("UPDATE audit_events SET outcome = 'DENIED' WHERE seq = 2", {}),
        # A string that needs escaping: quoted as it is, it would close its own value.
        ("UPDATE audit_events SET operation_name = :v WHERE seq = 2", {"v": 'Institution","x'}),
        ("UPDATE audit_events SET operation_name = :v WHERE seq = 2", {"v": "Institution\n"}),
        # One unit in the last place: a float printed to 15 digits would not show it.
        ("UPDATE audit_events SET duration_ms = :v WHERE seq = 2", {"v": 2.2500000000000004}),
        ("UPDATE audit_events SET duration_ms = 'NaN' WHERE seq = 2", {}),
        ("UPDATE audit_events SET at = at + interval '1 microsecond' WHERE seq = 2", {}),
        ("UPDATE audit_events SET at = at - interval '1 hour' WHERE seq = 2", {}),
        ("UPDATE audit_events SET prev_hash = :v WHERE seq = 2", {"v": "0" * 64}),
        ("UPDATE audit_events SET hash = :v WHERE seq = 2", {"v": "f" * 64}),
    ],
)
async def test_a_changed_event_never_passes_the_screen(
    hub: Hub, engine: Engine, statement: str, values: dict[str, Any]
) -> None:
    await append(hub, READ, 3)
    tamper(engine, statement, **values)

    assert suspects(engine, 3)[0] == 2
    report = verify_chain(engine)
    assert not report.intact
    assert report.first_broken_seq == 2
    assert report.events == 1


async def test_a_deleted_event_makes_the_next_one_a_suspect(hub: Hub, engine: Engine) -> None:
    await append(hub, READ, 3)
    tamper(engine, "DELETE FROM audit_events WHERE seq = 2")

    assert suspects(engine, 3) == [3]
    report = verify_chain(engine)
    assert report.first_broken_seq == 2
    assert report.reason == "sequence jumps from 1 to 3"


async def test_the_same_time_before_christ_never_passes_the_screen(
    hub: Hub, engine: Engine
) -> None:
    """PostgreSQL writes the year 2026 BC as "2026": only a time between the years 1
    and 9999 is written into the screen's text."""
    await append(hub, READ, 3)
    tamper(
        engine,
        "UPDATE audit_events SET at = (to_char(at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD HH24:MI:SS.US') || ' BC')::timestamp AT TIME ZONE 'UTC' WHERE seq = 2",
    )

    assert suspects(engine, 3) == [2]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("fields_read", '["Institution.name", "Query.institution"]'),
        ("variables", '{"first":50,"filter":{"region":"410200"},"code":"91410202MA0000004X"}'),
        ("roles", '["\\u0061uditor"]'),
        ("roles", ' ["auditor"]'),
    ],
)
async def test_an_equivalent_spelling_is_a_suspect_but_verifies(
    hub: Hub, engine: Engine, column: str, value: str
) -> None:
    """JSON as the hub once stored it, with spaces, keys in any order, ``\\u``
    escapes: the screen hashes the text, the exact check the values."""
    await append(hub, READ, 3)
    tamper(engine, f"UPDATE audit_events SET {column} = :v WHERE seq = 2", v=value)

    assert suspects(engine, 3) == [2]
    assert verify_chain(engine).intact


async def test_a_duration_postgresql_writes_with_an_exponent_is_a_suspect_but_verifies(
    hub: Hub, engine: Engine
) -> None:
    """1e15 is "1e+15" to PostgreSQL, "1000000000000000.0" to Python."""
    await append(hub, READ, 1)
    await append(hub, READ, 1, duration_ms=1e15)
    await append(hub, READ, 1, duration_ms=123.0)

    assert suspects(engine, 3) == [2]
    assert verify_chain(engine).intact


async def test_a_log_in_types_the_screen_does_not_know_is_all_suspects_but_verifies(
    hub: Hub, engine: Engine
) -> None:
    """A string column that holds JSON would be written into the text as it is, so
    the screen passes nothing there."""
    await append(hub, READ, 3)
    with engine.begin() as connection:
        connection.execute(
            text("ALTER TABLE audit_events ALTER COLUMN purpose TYPE json USING to_json(purpose)")
        )

    assert suspects(engine, 3) == [1, 2, 3]
    assert verify_chain(engine).intact


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ("UPDATE audit_events SET outcome = 'ERROR' WHERE seq = 17", [17]),
        ("DELETE FROM audit_events WHERE seq = 17", [18]),
        ("UPDATE audit_events SET hash = :v WHERE seq = 29", [29, 30]),
        ("UPDATE audit_events SET hash = :v WHERE seq = 24", [24, 25]),
    ],
)
async def test_ranges_find_what_one_query_finds(
    hub: Hub, engine: Engine, statement: str, found: list[int]
) -> None:
    await append(hub, READ, 30)
    tamper(engine, statement, v="f" * 64)
    screened: list[int] = []

    in_ranges = suspects(engine, 30, range_size=4, progress=screened.append)

    assert in_ranges == suspects(engine, 30, range_size=100) == found
    assert screened == [4] * 7 + [2]


async def test_many_suspects_are_confirmed_in_batches_up_to_the_first_broken_one(
    hub: Hub, engine: Engine
) -> None:
    await append(hub, READ, 2500)
    tamper(engine, "UPDATE audit_events SET roles = '[ \"auditor\"]' WHERE seq <> 2400")
    tamper(engine, "UPDATE audit_events SET outcome = 'DENIED' WHERE seq = 2400")

    assert len(suspects(engine, 2500)) == 2500
    report = verify_chain(engine)
    assert report.first_broken_seq == 2400
    assert report.reason == "its content does not match its hash (changed after it was written)"


@pytest.mark.parametrize(
    "value",
    [
        "'infinity'",
        "(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' BC')::timestamp"
        " AT TIME ZONE 'UTC'",
    ],
)
async def test_a_time_python_cannot_hold_names_the_event(
    hub: Hub, engine: Engine, value: str
) -> None:
    await append(hub, READ, 3)
    tamper(engine, f"UPDATE audit_events SET at = {value} WHERE seq = 2")

    report = verify_chain(engine)

    assert not report.intact
    assert report.first_broken_seq == 2
    assert report.events == 1
    assert "cannot be read" in (report.reason or "")
