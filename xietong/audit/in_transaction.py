"""A change to the hub's own store and its access-log event, in one transaction.

The access-log middleware writes a request's event when the response starts, in a
transaction of its own. For a read that is enough; for a write it is not: a worker
killed, or a database stopped, between the write's commit and the event's would
leave a change that nobody can account for. So a service that writes appends the
event itself, as the last statement of its own transaction:

    async with audited(sessions, event, changed=["id:" + review_id]) as session:
        ...  # the change
    # committed together: the change and its event, or neither

The append takes the chain head's lock exactly as ``AuditLog`` does (the first
statement bumps ``audit_chain_head.seq``: its row lock on PostgreSQL, the write
lock on SQLite), so the chain stays one line whoever writes. Taking it last keeps
it held only for the insert and the commit. If the event cannot be written the
transaction rolls back and the caller gets ``AuditWriteError``: no change without
its event.

The request's draft is told the event's sequence number once the transaction
commits, so the middleware does not write a second event for the request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from xietong.audit.events import AuditDraft, AuditOutcome
from xietong.audit.log import Statements

CHANGED = "changed:"
"""The tag of a record key the request changed (next to ``asked:`` and ``returned:``)."""


class AuditWriteError(Exception):
    """The change's access-log event could not be written, so the change was undone."""


def append_in(
    connection: Connection, draft: AuditDraft, *, at: datetime, duration_ms: float
) -> int:
    """Append ``draft`` as the next event, inside the caller's open transaction on
    ``connection``; its sequence number. Nothing is committed here."""
    sql = Statements.of(connection.engine)
    try:
        head = connection.exec_driver_sql(sql.bump_head, (1,)).one_or_none()
        if head is None:
            raise AuditWriteError("audit_chain_head has no row: is the hub database migrated?")
        seq, prev_hash = int(head[0]), str(head[1])
        rows, last_hash = sql.chained_rows(
            seq, prev_hash, [(draft, at.astimezone(UTC), duration_ms)]
        )
        connection.exec_driver_sql(sql.insert, rows[0])
        connection.exec_driver_sql(sql.set_head_hash, (last_hash,))
    except DBAPIError as error:
        raise AuditWriteError(f"the access-log event could not be written: {error.orig}") from error
    return seq


@dataclass(frozen=True, slots=True)
class WriteEvent:
    """What the event of a write says: the request's draft, already filled with who
    asks and why (client, subject, department, roles, region, purpose, case id) and
    what operation it is. Each write adds the keys of the records it changed."""

    request: AuditDraft

    def of(self, changed: Collection[str]) -> AuditDraft:
        """The event for a write that changed ``changed`` (credit codes, ``id:<id>``;
        never a personal value: they are stored in the clear)."""
        keys = sorted({*self.request.record_keys, *(CHANGED + key for key in changed)})
        return replace(
            self.request,
            record_keys=keys,
            outcome=AuditOutcome.OK,
            error_codes=[],
            returned_keys=set(),
            written=[],
        )

    def started_at(self, now: datetime) -> datetime:
        """When the request arrived (``now`` outside the access-log middleware)."""
        return self.request.started_at or now


@contextlib.asynccontextmanager
async def audited(
    sessions: async_sessionmaker[AsyncSession],
    event: WriteEvent | None,
    *,
    changed: Collection[str],
) -> AsyncIterator[AsyncSession]:
    """A transaction whose changes commit only with their access-log event.

    Without ``event`` (a service used outside any request, as in its own tests) it
    is a plain transaction.
    """
    seq: int | None = None
    async with sessions.begin() as session:
        yield session
        if event is not None:
            now = datetime.now(UTC)
            draft = event.of(changed)
            started = event.started_at(now)
            duration_ms = (now - started).total_seconds() * 1000

            def append(sync_session: Session) -> int:
                return append_in(
                    sync_session.connection(), draft, at=started, duration_ms=duration_ms
                )

            seq = await session.run_sync(append)
    if event is not None and seq is not None:
        event.request.written.append(seq)
