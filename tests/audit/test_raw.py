"""Verifying from raw rows: the canonical text put together from a row as the driver
returns it is, character for character, the text the log hashed, whatever the
event holds; and a change to any part of a stored event still shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from tests.audit.strategies import DRAFTS, GROWING_CHAIN
from xietong.audit.events import AuditDraft, AuditOutcome
from xietong.audit.raw import canonical_text, raw_rows
from xietong.audit.verify import body_of, stored_events, verify_chain
from xietong.hub.services import Hub
from xietong.kernel.canonical import canonical
from xietong.kernel.db import create_sync_engine
from xietong.kernel.settings import Settings


@pytest.fixture
async def hub(tmp_path: Path, hub_database_url: str) -> AsyncIterator[Hub]:
    (tmp_path / "sources.toml").write_text("", encoding="utf-8")
    settings = Settings.from_env({"XIETONG_DATABASE_URL": hub_database_url}, data_dir=tmp_path)
    opened = await Hub.open(settings)
    yield opened
    await opened.close()


def _canonical_texts(engine: Engine) -> tuple[list[str], list[str]]:
    """Each stored event's canonical text: put together from its raw row, and the way
    the log made it (``canonical(body_of(row))`` over SQLAlchemy's reading)."""
    fast = canonical_text(engine.dialect.name)
    with raw_rows(engine) as batches:
        raw = [fast(row) for batch in batches for row in batch]
    with stored_events(engine) as rows:
        slow = [canonical(body_of(row)) for row in rows]
    return raw, slow


@pytest.mark.slow
@GROWING_CHAIN
@given(
    drafts=st.lists(DRAFTS, min_size=1, max_size=4),
    durations=st.lists(st.floats(min_value=0, max_value=1e7), min_size=4, max_size=4),
    micro=st.integers(min_value=0, max_value=999_999),
)
async def test_the_raw_text_of_every_event_is_the_text_the_log_hashed(
    hub: Hub, drafts: list[AuditDraft], durations: list[float], micro: int
) -> None:
    at = datetime(2026, 11, 1, 8, 0, 0, micro, tzinfo=UTC)
    for draft, duration in zip(drafts, durations, strict=False):
        await hub.audit_log.append(draft, at=at, duration_ms=duration)

    engine = create_sync_engine(hub.settings.database_url)
    try:
        raw, slow = _canonical_texts(engine)
        report = verify_chain(engine)
    finally:
        engine.dispose()

    assert raw == slow
    assert report.intact, report.reason
    assert report.events == len(raw)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("roles", '["education.supervisor", "auditor"]'),
        ("fields_read", '["Institution.name"]'),
        ("variables", '{"first": 51}'),
        ("record_keys", "[]"),
        ("purpose", "something else"),
        ("duration_ms", 1.5),
        ("seq", 9),
    ],
)
async def test_a_change_to_any_part_of_an_event_is_found(hub: Hub, column: str, value: Any) -> None:
    draft = AuditDraft(
        client_id="demo-auditor",
        roles=["auditor"],
        purpose="inspection",
        variables={"first": 50},
        fields_read=["Institution.name", "Query.institution"],
        record_keys=["91410202MA0000004X"],
        outcome=AuditOutcome.OK,
    )
    for _ in range(3):
        await hub.audit_log.append(draft, at=datetime.now(UTC), duration_ms=2.0)
    engine = create_sync_engine(hub.settings.database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.execute(text("DROP TRIGGER audit_events_no_update"))
            else:
                connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            connection.execute(
                text(f"UPDATE audit_events SET {column} = :value WHERE seq = 2"), {"value": value}
            )
        report = verify_chain(engine)
    finally:
        engine.dispose()

    assert not report.intact
    assert report.first_broken_seq == 2
