"""Appending to the access log: one linear hash chain, however many workers write.

Appends are serialized by the chain-head row: the first statement of every append
transaction bumps ``audit_chain_head.seq``, which takes that row's lock on
PostgreSQL and the write lock on SQLite, so concurrent writers — in this process or
another — queue there and each sees the head the previous one left. Within a
process, requests that arrive while an append is under way are written together
in the next transaction (group commit), so a busy hub pays one short lock per
batch, not one per request.

The transaction runs in a worker thread on a synchronous engine: one hand-off per
batch, where an async driver would cross threads for every statement.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, text

from auth.audit.events import AuditDraft, chain_hash, event_body
from xietong.models import AuditEvent

MAX_BATCH = 500


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
        with self.engine.begin() as connection:
            head = connection.execute(
                text("UPDATE audit_chain_head SET seq = seq + :n WHERE id = 1 RETURNING seq, hash"),
                {"n": len(batch)},
            ).one()
            first_seq: int = head.seq - len(batch) + 1
            prev_hash: str = head.hash
            rows: list[dict[str, Any]] = []
            for offset, item in enumerate(batch):
                body = event_body(first_seq + offset, item.at, item.draft, item.duration_ms)
                own_hash = chain_hash(prev_hash, body)
                rows.append(
                    {
                        **body,
                        "at": item.at,
                        "duration_ms": body["duration_ms"],
                        "prev_hash": prev_hash,
                        "hash": own_hash,
                    }
                )
                prev_hash = own_hash
            connection.execute(insert(AuditEvent), rows)
            connection.execute(
                text("UPDATE audit_chain_head SET hash = :hash WHERE id = 1"), {"hash": prev_hash}
            )
        return first_seq


def now() -> datetime:
    return datetime.now(UTC)
