"""Checking the access log: every event links to the one before and hashes right."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from xietong.audit.events import GENESIS_HASH, format_time
from xietong.audit.raw import (
    COLUMNS,
    HASH,
    PREV_HASH,
    SEQ,
    canonical_text,
    event_and_previous,
    raw_cursor,
    raw_rows,
)
from xietong.audit.screen import suspects as sqlite_suspects
from xietong.audit.screen_pg import suspects as postgres_suspects
from xietong.kernel.store import UNHASHED, AuditChainHead, AuditEvent

_COLUMNS = list(AuditEvent.__table__.columns)
Canonical = Callable[[Sequence[Any]], str]
_BODY_KEYS = [c.name for c in _COLUMNS if c.name not in UNHASHED]
_CONFIRM_BATCH = 1000
"""Suspects whose stored events (and those before them) are read in one query."""


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


def verify_chain(
    engine: Engine, *, progress: Callable[[int], None] | None = None, screen: bool = True
) -> ChainReport:
    """Check the chain as it stood when the check began (events appended meanwhile
    are left to the next check); stop at the first event that does not fit.

    Each event must follow the one before it, link to its hash, and hash to
    ``chain_hash(prev_hash, body_of(row))``. On a SQLite file the events are screened
    inside SQLite, in parallel (``auth.audit.screen``), on PostgreSQL inside
    PostgreSQL (``auth.audit.screen_pg``), and only those the screen cannot pass are
    checked here; otherwise, or with ``screen=False``, every event is read raw and
    re-encoded here (``auth.audit.raw``). ``progress`` is told how many events were
    checked, as it goes.
    """
    with engine.connect() as connection:
        head = connection.execute(select(AuditChainHead.seq, AuditChainHead.hash)).one()
        first_seq = connection.scalar(select(func.min(AuditEvent.seq)))
    if first_seq is not None and first_seq < 1:
        reason = f"its sequence number {first_seq} is before the first event's, 1"
        return ChainReport(False, 0, first_seq, reason, GENESIS_HASH)
    suspects = _screen(engine, head.seq, progress) if screen else None
    if suspects is None:
        broken = _walk(engine, head.seq, progress)
    else:
        broken = _confirm(engine, suspects)
    return broken or _check_ends(engine, head.seq, head.hash)


def _screen(
    engine: Engine, last_seq: int, progress: Callable[[int], None] | None
) -> list[int] | None:
    """The events ``1..last_seq`` the database's own screen cannot pass; None if it
    has none (an in-memory SQLite)."""
    if engine.dialect.name == "postgresql":
        return postgres_suspects(engine, last_seq, progress=progress)
    database = _sqlite_file(engine)
    return None if database is None else sqlite_suspects(database, last_seq, progress=progress)


def _sqlite_file(engine: Engine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def _problem(row: Sequence[Any], expected_seq: int, prev_hash: str, text: Canonical) -> str | None:
    """What is wrong with ``row`` as the event after ``prev_hash``, or None."""
    if row[SEQ] != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {row[SEQ]}"
    if row[PREV_HASH] != prev_hash:
        return "its prev_hash is not the hash of the event before it"
    try:
        content = prev_hash + text(row)
    except (TypeError, ValueError):
        content = None  # a stored value that no event could hold
    if content is None or sha256(content.encode()).hexdigest() != row[HASH]:
        return "its content does not match its hash (changed after it was written)"
    return None


def _walk(
    engine: Engine, last_seq: int, progress: Callable[[int], None] | None
) -> ChainReport | None:
    """Every event up to ``last_seq``, in order: the first broken one, if any."""
    expected_seq, prev_hash = 1, GENESIS_HASH
    text = canonical_text(engine.dialect.name)
    with raw_rows(engine, last_seq=last_seq) as batches:
        for batch in batches:
            for row in batch:
                problem = _problem(row, expected_seq, prev_hash, text)
                if problem:
                    return ChainReport(False, expected_seq - 1, expected_seq, problem, prev_hash)
                prev_hash, expected_seq = row[HASH], expected_seq + 1
            if progress:
                progress(len(batch))
    return None


def _confirm(engine: Engine, suspect_seqs: list[int]) -> ChainReport | None:
    """Each event the screen could not pass, checked exactly against the stored event
    before it, in order: the first truly broken one, if any."""
    text = canonical_text(engine.dialect.name)
    unreadable: type[Exception] = engine.dialect.loaded_dbapi.DataError
    with raw_cursor(engine) as cursor:
        for seq, stored in _suspects_and_previous(cursor, suspect_seqs, unreadable):
            if isinstance(stored, Exception):
                reason = f"a stored value of it cannot be read ({_first_line(stored)})"
                return ChainReport(False, seq - 1, seq, reason, "")
            row, before = stored
            expected_seq = before[0][SEQ] + 1 if before else 1
            prev_hash = before[0][HASH] if before else GENESIS_HASH
            problem = _problem(row, expected_seq, prev_hash, text)
            if problem:
                return ChainReport(False, expected_seq - 1, expected_seq, problem, prev_hash)
    return None


Stored = tuple[Sequence[Any], list[Sequence[Any]]]


def _suspects_and_previous(
    cursor: Any, suspect_seqs: list[int], unreadable: type[Exception]
) -> Iterator[tuple[int, Stored | Exception]]:
    """Each suspect's stored event and the stored event before it (none for the
    first), in order, as ``event_and_previous`` finds them: a batch of suspects in
    one query, with the event numbered one less; only where that one is not stored
    (the first event, a gap) or the batch holds a value the driver cannot read (a
    time PostgreSQL has but Python has not) does a suspect take a query of its own;
    the driver's error in place of an event it cannot read."""
    for start in range(0, len(suspect_seqs), _CONFIRM_BATCH):
        batch = suspect_seqs[start : start + _CONFIRM_BATCH]
        wanted = sorted({seq - offset for seq in batch for offset in (0, 1)})
        try:
            cursor.execute(
                f"SELECT {', '.join(COLUMNS)} FROM audit_events"
                f" WHERE seq IN ({', '.join(str(int(seq)) for seq in wanted)})"
            )
            stored = {row[SEQ]: row for row in cursor.fetchall()}
        except unreadable:
            cursor.connection.rollback()
            stored = {}
        for seq in batch:
            if seq in stored and seq - 1 in stored:
                yield seq, (stored[seq], [stored[seq - 1]])
                continue
            try:
                row, *before = event_and_previous(cursor, seq)
            except unreadable as error:
                yield seq, error
                return
            yield seq, (row, before)


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _check_ends(engine: Engine, last_seq: int, last_hash: str) -> ChainReport:
    """Events 1..``last_seq`` all link up: check that none is missing at the end, that
    the last is the head the log recorded, and that nothing lies beyond the head (in
    one snapshot, so an append meanwhile moves both)."""
    events = AuditEvent.__table__
    in_chain = events.c.seq.between(1, last_seq)
    with engine.connect() as connection:
        now = connection.execute(
            select(
                AuditChainHead.seq,
                select(func.count()).where(in_chain).scalar_subquery().label("stored"),
                select(events.c.hash)
                .where(events.c.seq == last_seq)
                .scalar_subquery()
                .label("hash"),
                select(func.max(events.c.seq)).scalar_subquery().label("max_seq"),
            )
        ).one()
    if now.stored != last_seq:
        reason = f"the chain head says {last_seq} events, but {now.stored} are stored"
        return ChainReport(False, now.stored, now.stored + 1, f"{reason} (events removed)", "")
    if last_seq and now.hash != last_hash:
        reason = "the chain head's hash is not the last event's (events replaced)"
        return ChainReport(False, last_seq - 1, last_seq, reason, "")
    if (now.max_seq or 0) > now.seq:
        reason = f"events stored after the chain head, event {now.seq} (added outside the log)"
        return ChainReport(False, last_seq, now.seq + 1, reason, last_hash)
    return ChainReport(True, last_seq, None, None, last_hash)
