"""Appending to the access log: one linear hash chain, however many workers write.

Appends are serialized by the chain-head row: the first statement of every append
transaction bumps ``audit_chain_head.seq``, which takes that row's lock on
PostgreSQL and the write lock on SQLite, so concurrent writers — in this process or
another — queue there and each sees the head the previous one left. Within a
process, requests that arrive while an append is under way are written together
in the next transaction (group commit), so a busy hub pays one short lock per
batch, not one per request.

The transaction runs in the log's own thread, on the driver's own cursor from the
synchronous engine's pool: one hand-off per batch, three prepared statements, and
rows as plain tuples. This is on every request's path, and through the ORM the
same rows cost more than their hashing. The thread is the log's alone, so a slow
department source can never hold an append up behind its reads.

One request's event must not fail the others': each is made storable before it is
queued (``bounds``), and if the store still refuses a batch, its events are written
one by one, so only the request whose event is refused fails, and even that one
leaves an event in its refused form.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Engine

from xietong.audit.bounds import refused_form, storable
from xietong.audit.events import AuditDraft, chain_hash, event_body
from xietong.kernel.canonical import canonical
from xietong.kernel.store import AuditEvent

log = logging.getLogger("xietong.audit")

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
                "trace_id": draft.trace_id,
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
        # One thread: batches are written one after another anyway.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-log")
        dbapi = engine.dialect.dbapi
        self._store_down: tuple[type[Exception], ...] = (
            (dbapi.OperationalError, dbapi.InterfaceError) if dbapi is not None else ()
        )

    async def append(self, draft: AuditDraft, *, at: datetime, duration_ms: float) -> int:
        """Write the event and return its sequence number once it is committed.

        Raises if it cannot be written: the caller must then fail closed.
        """
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(storable(draft), at.astimezone(UTC), duration_ms, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await done

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                first_seq = await self._written(batch)
            except Exception as error:
                await self._one_by_one(batch, error)
                continue
            for offset, item in enumerate(batch):
                _settle(item, first_seq + offset)

    async def _written(self, batch: list[_Pending]) -> int:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._write, batch)

    async def _one_by_one(self, batch: list[_Pending], batch_error: Exception) -> None:
        """After ``batch_error``: each event alone, so that only those the store
        refuses fail their requests. A store that cannot be written at all fails
        them all at once instead of being asked again for each."""
        for index, item in enumerate(batch):
            error = batch_error
            if len(batch) > 1 and not isinstance(batch_error, self._store_down):
                try:
                    _settle(item, await self._written([item]))
                    continue
                except Exception as alone:
                    error = alone
            if isinstance(error, self._store_down):
                for rest in batch[index:]:
                    _settle(rest, error)
                return
            log.error("the access log refused an event (%r): logging it in its refused form", error)
            refused = _Pending(refused_form(item.draft), item.at, item.duration_ms, item.done)
            try:
                await self._written([refused])
            except Exception:
                log.exception("the access log refused an event even in its refused form")
            _settle(item, error)  # its own request fails closed all the same

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


def _settle(item: _Pending, outcome: int | Exception) -> None:
    if item.done.done():
        return  # its request went away
    if isinstance(outcome, Exception):
        item.done.set_exception(outcome)
    else:
        item.done.set_result(outcome)


def now() -> datetime:
    return datetime.now(UTC)
