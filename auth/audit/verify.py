"""Checking the access log: every event links to the one before and hashes right."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from sqlalchemy import Engine, select

from auth.audit.events import GENESIS_HASH, format_time
from auth.audit.raw import HASH, PREV_HASH, SEQ, canonical_text, raw_rows
from xietong.models import AuditChainHead, AuditEvent

_COLUMNS = list(AuditEvent.__table__.columns)
_BODY_KEYS = [c.name for c in _COLUMNS if c.name not in ("prev_hash", "hash")]


@dataclass(frozen=True, slots=True)
class ChainReport:
    intact: bool
    events: int
    first_broken_seq: int | None
    reason: str | None
    head_hash: str


def body_of(row: Any) -> dict[str, Any]:
    """The hashed body of a stored event, as it was when it was written."""
    body = {key: getattr(row, key) for key in _BODY_KEYS}
    at: datetime = body["at"]
    body["at"] = format_time(at if at.tzinfo else at.replace(tzinfo=UTC))
    return body


@contextlib.contextmanager
def stored_events(
    engine: Engine, *, since: datetime | None = None, chunk: int = 5000
) -> Iterator[Iterator[Any]]:
    """Stored events (at or after ``since``) in sequence order, streamed (a server-side
    cursor on PostgreSQL), closed when the caller is done even if it stops early."""
    query = select(*_COLUMNS).order_by(AuditEvent.seq)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=chunk).execute(query)
        try:
            yield iter(result)
        finally:
            result.close()


def verify_chain(engine: Engine, *, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the chain from the first event; stop at the first one that does not fit.

    Each event must hash to ``chain_hash(prev_hash, body_of(row))``; the rows are read
    raw and re-encoded directly (``auth.audit.raw``), which is the same text, fast.
    """
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    canonical = canonical_text(engine.dialect.name)
    with raw_rows(engine) as batches:
        for batch in batches:
            for row in batch:
                seq, row_prev_hash, row_hash = row[SEQ], row[PREV_HASH], row[HASH]
                problem = None
                if seq != expected_seq:
                    problem = f"sequence jumps from {expected_seq - 1} to {seq}"
                elif row_prev_hash != prev_hash:
                    problem = "its prev_hash is not the hash of the event before it"
                elif sha256((prev_hash + canonical(row)).encode()).hexdigest() != row_hash:
                    problem = "its content does not match its hash (changed after it was written)"
                if problem:
                    return ChainReport(False, count, expected_seq, problem, prev_hash)
                prev_hash, expected_seq, count = row_hash, expected_seq + 1, count + 1
            if progress:
                progress(len(batch))
    with engine.connect() as connection:
        head = connection.execute(select(AuditChainHead.seq, AuditChainHead.hash)).one()
    if head.seq != count or head.hash != prev_hash:
        return ChainReport(
            False,
            count,
            count + 1,
            f"the chain head says {head.seq} events, but {count} are stored (events removed)",
            prev_hash,
        )
    return ChainReport(True, count, None, None, prev_hash)
