"""A chain written by the hub's own access log, the CLI as an auditor runs it, and an
attacker with write access to the hub database who rewrites the chain with the
hub's own chaining code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from typer.testing import CliRunner

from xietong.audit.events import GENESIS_HASH, AuditDraft, AuditOutcome
from xietong.audit.log import AuditLog
from xietong.cli import app
from xietong.kernel.db import create_sync_engine
from xietong.kernel.store import AuditChainHead, AuditEvent

runner = CliRunner()
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
Event = tuple[AuditDraft, datetime, float]
"""An event as appended: what the request filled in, when, how long it took."""


def xietong(database_url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    """``xietong ARGS --data-dir DATA_DIR`` against ``database_url``: exit code, output."""
    result = runner.invoke(
        app, [*args, "--data-dir", str(data_dir)], env={"XIETONG_DATABASE_URL": database_url}
    )
    return result.exit_code, result.output


def draft(number: int) -> AuditDraft:
    return AuditDraft(
        client_id="demo-auditor",
        department="AUDIT",
        roles=["auditor"],
        region="410200",
        purpose=f"inspection {number}",
        operation_type="query",
        operation_name="Events",
        fields_read=["Query.auditEvents"],
        outcome=AuditOutcome.OK,
    )


def append(database_url: str, drafts: list[Event]) -> None:
    """Append through the hub's access log, one transaction an event, in order."""
    engine = create_sync_engine(database_url)

    async def write() -> None:
        log = AuditLog(engine)
        for event, at, duration_ms in drafts:
            await log.append(event, at=at, duration_ms=duration_ms)

    try:
        asyncio.run(write())
    finally:
        engine.dispose()


def append_events(database_url: str, first: int, last: int) -> None:
    append(
        database_url,
        [(draft(n), T0 + timedelta(seconds=n), float(n)) for n in range(first, last + 1)],
    )


def _drop_triggers(connection: Connection, engine: Engine) -> None:
    """As someone who can write the database would: the append-only triggers go."""
    if engine.dialect.name == "sqlite":
        names = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars()
        for name in list(names):
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        return
    triggers = connection.execute(
        text(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
        )
    ).all()
    for name, table in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}" ON "{table}"'))


Rewrite = Callable[[list[Event]], list[Event]]


def rewrite_chain(database_url: str, change: Rewrite) -> None:
    """Read every stored event, empty the log, and append ``change(events)`` again
    through the hub's own ``AuditLog``: a chain that agrees with itself."""
    engine = create_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            _drop_triggers(connection, engine)
            rows = connection.execute(select(AuditEvent).order_by(AuditEvent.seq)).all()
            events = [(_draft_of(row), _utc(row.at), row.duration_ms) for row in rows]
            connection.execute(delete(AuditEvent))
            connection.execute(update(AuditChainHead).values(seq=0, hash=GENESIS_HASH))
    finally:
        engine.dispose()
    append(database_url, change(events))


def cut_tail(database_url: str, keep: int) -> None:
    """Remove every event after ``keep`` and move the head back to it."""
    engine = create_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            _drop_triggers(connection, engine)
            connection.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
            last_hash = connection.scalar(select(AuditEvent.hash).where(AuditEvent.seq == keep))
            connection.execute(update(AuditChainHead).values(seq=keep, hash=last_hash))
    finally:
        engine.dispose()


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _draft_of(row: Any) -> AuditDraft:
    return AuditDraft(
        client_id=row.client_id,
        subject=row.subject,
        department=row.department,
        roles=list(row.roles),
        region=row.region,
        purpose=row.purpose,
        case_id=row.case_id,
        operation_type=row.operation_type,
        operation_name=row.operation_name,
        document_hash=row.document_hash,
        variables=dict(row.variables),
        fields_read=list(row.fields_read),
        fields_masked=list(row.fields_masked),
        fields_denied=list(row.fields_denied),
        record_keys=list(row.record_keys),
        error_codes=list(row.error_codes),
        outcome=AuditOutcome(row.outcome),
    )


def exported(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
