"""Stored events as the driver hands them back, and the canonical text of each.

Verifying a long chain is mostly reading rows and re-encoding them; through the
ORM that is dozens of Python calls per column. Here a row is a plain tuple from the
driver's own cursor, and its canonical text (``events.canonical(body_of(row))``,
character for character) is put together directly: the body's keys are fixed and
sorted, so the text is a fixed sequence of ``"key":value`` parts, and the common
shapes of a value are turned into their canonical text without decoding them:

- a SQLite time ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's, in UTC) is rearranged;
- a SQLite JSON list of plain strings, as SQLAlchemy stores it (``["a", "b"]``),
  loses the space after each comma: with no quote, backslash or control character
  inside the strings, that is the whole difference to the canonical ``["a","b"]``;
- ``[]`` and ``{}`` stand for themselves.

Anything else is decoded and encoded as ``events.canonical`` does.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import JSON, Engine, String

from xietong.audit.events import format_time
from xietong.kernel.canonical import CANONICAL
from xietong.kernel.store import UNHASHED, AuditEvent

COLUMNS = [column.name for column in AuditEvent.__table__.columns]
"""The columns of a raw row, in order."""
SEQ, PREV_HASH, HASH = (COLUMNS.index(name) for name in ("seq", "prev_hash", "hash"))
_JSON_COLUMNS = {
    column.name for column in AuditEvent.__table__.columns if isinstance(column.type, JSON)
}
_BODY_KEYS = sorted(name for name in COLUMNS if name not in UNHASHED)
_PLAIN_LIST = re.compile(r'\[(?:"[^"\\\x00-\x1f]*"(?:, "[^"\\\x00-\x1f]*")*)?\]')
_CHUNK = 10_000


@contextlib.contextmanager
def raw_cursor(engine: Engine, *, streamed: bool = False) -> Iterator[Any]:
    """A cursor of the driver itself on a pooled connection, given back when done;
    ``streamed``: server-side on PostgreSQL, for reading a whole table."""
    connection = engine.raw_connection()
    try:
        if streamed and engine.dialect.name == "postgresql":
            cursor = connection.cursor(name="audit_raw_rows")
        else:
            cursor = connection.cursor()
        yield cursor
        cursor.close()
    finally:
        connection.rollback()
        connection.close()


_SELECT = f"SELECT {', '.join(COLUMNS)} FROM audit_events"


@contextlib.contextmanager
def raw_rows(
    engine: Engine, *, last_seq: int | None = None
) -> Iterator[Iterator[Sequence[Sequence[Any]]]]:
    """Stored events (up to ``last_seq``) as plain rows (``COLUMNS`` order), in
    sequence order, in batches; streamed."""
    up_to = "" if last_seq is None else f" WHERE seq <= {int(last_seq)}"
    with raw_cursor(engine, streamed=True) as cursor:
        cursor.execute(f"{_SELECT}{up_to} ORDER BY seq")
        yield iter(lambda: cursor.fetchmany(_CHUNK), [])


def event_and_previous(cursor: Any, seq: int) -> list[Sequence[Any]]:
    """Event ``seq`` and the stored event before it, if any, as plain rows, newest
    first."""
    cursor.execute(f"{_SELECT} WHERE seq <= {int(seq)} ORDER BY seq DESC LIMIT 2")
    return list(cursor.fetchall())


_PLAIN, _JSON_TEXT, _TIME, _OTHER = range(4)


def canonical_text(dialect: str) -> Callable[[Sequence[Any]], str]:
    """``events.canonical(body_of(row))`` of a raw row from a database of ``dialect``:
    SQLite hands back JSON columns and times as text, PostgreSQL decoded."""
    text_json = dialect == "sqlite"
    parts: list[tuple[int, str, int]] = []
    for position, key in enumerate(_BODY_KEYS):
        prefix = ("{" if position == 0 else ",") + f'"{key}":'
        if key == "at":
            kind = _TIME
        elif key in _JSON_COLUMNS:
            kind = _JSON_TEXT if text_json else _OTHER
        elif isinstance(AuditEvent.__table__.columns[key].type, String):
            kind = _PLAIN
        else:
            kind = _OTHER
        parts.append((COLUMNS.index(key), prefix, kind))

    def text(row: Sequence[Any]) -> str:
        # One loop, the common cases inline: this runs once per stored event.
        pieces = []
        for index, prefix, kind in parts:
            value = row[index]
            if value is None:
                piece = "null"
            elif kind == _PLAIN and type(value) is str:
                piece = encode_basestring(value)
            elif kind == _JSON_TEXT:
                piece = _json_text(value)
            elif kind == _TIME:
                piece = _time(value)
            else:
                piece = _value(value)
            pieces.append(prefix)
            pieces.append(piece)
        pieces.append("}")
        return "".join(pieces)

    return text


def _value(value: Any) -> str:
    if type(value) is str:
        return str(encode_basestring(value))
    if value is None:
        return "null"
    return CANONICAL.encode(value)


def _json_text(stored: Any) -> str:
    if type(stored) is str:
        if stored in ("[]", "{}"):
            return stored
        if _PLAIN_LIST.fullmatch(stored):
            return stored.replace('", "', '","')
        return CANONICAL.encode(json.loads(stored))
    return _value(stored)


def _time(at: Any) -> str:
    """``format_time`` of a stored time, quoted."""
    if type(at) is str:
        if len(at) == 26 and at[10] == " " and at[19] == "." and at[4] == at[7] == "-":
            return f'"{at[:10]}T{at[11:]}Z"'
        at = datetime.fromisoformat(at)
    if not isinstance(at, datetime):
        raise TypeError(f"audit_events.at holds {at!r}")
    return f'"{format_time(at if at.tzinfo else at.replace(tzinfo=UTC))}"'
