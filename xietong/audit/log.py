"""Appending to the access log: one linear hash chain, however many workers write.

Appends are serialized by the chain-head row: the first statement of every append
transaction bumps ``audit_chain_head.seq``, which takes that row's lock on
PostgreSQL and the write lock on SQLite, so concurrent writers — in this process or
another — queue there and each sees the head the previous one left. Within a
process, requests that arrive while an append is under way are written together
in the next transaction (group commit), so a busy hub pays one short lock per
batch, not one per request.

The transaction runs in a worker thread, on the driver's own cursor from the
synchronous engine's pool: one hand-off per batch, three prepared statements, and
rows as plain tuples. This is on every request's path, and through the ORM the
same rows cost more than their hashing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Engine

from xietong.audit.events import AuditDraft, chain_hash, event_body
from xietong.kernel.canonical import canonical
from xietong.kernel.store import AuditEvent

MAX_BATCH = 500
COLUMNS = [column.name for column in AuditEvent.__table__.columns]
_JSON_COLUMNS = frozenset(
    column.name for column in AuditEvent.__table__.columns if isinstance(column.type, JSON)
)


@dataclass(frozen=True, slots=True)
class Statements:
    """The append's SQL in the driver's own parameter style."""

    bump_head: str
    insert: str
    set_head_hash: str
    sqlite: bool

    @classmethod
    def of(cls, engine: Engine) -> Statements:
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        return cls(
            bump_head=(
                f"UPDATE audit_chain_head SET seq = seq + {mark} WHERE id = 1 RETURNING seq, hash"
            ),
            insert=(
                f"INSERT INTO audit_events ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join([mark] * len(COLUMNS))})"
            ),
            set_head_hash=f"UPDATE audit_chain_head SET hash = {mark} WHERE id = 1",
            sqlite=engine.dialect.name == "sqlite",
        )

    def chained_rows(
        self, first_seq: int, prev_hash: str, events: Sequence[tuple[AuditDraft, datetime, float]]
    ) -> tuple[list[tuple[Any, ...]], str]:
        """``events`` (draft, time in UTC, duration) as rows for ``insert``, numbered from
        ``first_seq`` and chained from ``prev_hash``; and the last one's hash. Stored as
        SQLAlchemy stores them: JSON as (canonical) text, a SQLite time as
        ``YYYY-MM-DD HH:MM:SS.ffffff``."""
        rows = []
        for offset, (draft, at, duration_ms) in enumerate(events):
            body = event_body(first_seq + offset, at, draft, duration_ms)
            own_hash = chain_hash(prev_hash, body)
            stored = {
                **{key: canonical(body[key]) for key in _JSON_COLUMNS},
                "at": at.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else at,
                "prev_hash": prev_hash,
                "hash": own_hash,
            }
            rows.append(tuple(stored.get(column, body.get(column)) for column in COLUMNS))
            prev_hash = own_hash
        return rows, prev_hash


@dataclass(slots=True)
class _Pending:
    draft: AuditDraft
    at: datetime
    duration_ms: float
    done: asyncio.Future[int]


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        """``engine``: a synchronous engine on the hub database (``create_sync_engine``)."""
        self.engine = engine
        self._statements = Statements.of(engine)
        self._pending: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, draft: AuditDraft, *, at: datetime, duration_ms: float) -> int:
        """Write the event and return its sequence number once it is committed.

        Raises if it cannot be written: the caller must then fail closed.
        """
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(draft, at.astimezone(UTC), duration_ms, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                first_seq = await asyncio.to_thread(self._write, batch)
            except Exception as error:
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(error)
                continue
            for offset, item in enumerate(batch):
                if not item.done.done():
                    item.done.set_result(first_seq + offset)

    def _write(self, batch: list[_Pending]) -> int:
        sql = self._statements
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql.bump_head, (len(batch),))
            head = cursor.fetchone()
            if head is None:
                raise RuntimeError("audit_chain_head has no row: is the hub database migrated?")
            head_seq, head_hash = head
            first_seq: int = head_seq - len(batch) + 1
            rows, last_hash = sql.chained_rows(
                first_seq, head_hash, [(item.draft, item.at, item.duration_ms) for item in batch]
            )
            cursor.executemany(sql.insert, rows)
            cursor.execute(sql.set_head_hash, (last_hash,))
            cursor.close()
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()
        return first_seq


def now() -> datetime:
    return datetime.now(UTC)
