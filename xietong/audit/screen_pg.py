"""Screening a PostgreSQL access log for events that might not verify, inside PostgreSQL.

The counterpart of ``auth.audit.screen``, under the same rule: the screen only ever
*passes* an event, when the text it hashed matches the stored hash, and that text is
valid JSON made from the stored values that reads back as exactly those values.
Everything else is a suspect, checked again exactly by ``auth.audit.verify``.

One query per range of the chain writes each event's canonical text, keys in
sorted order, hashes it with ``sha256`` and joins each event to the one numbered
before it for the linkage; PostgreSQL may spread it over parallel workers. The
values are written as ``events.canonical`` writes them:

- strings as ``to_json`` escapes them, which is how Python's ``json`` does with
  ``ensure_ascii=False`` (quotes, backslashes, control characters; ``\\x7f`` and
  non-ASCII as they are). That escaping is the dearest part of the text, so when
  it would leave every string of an event as it is, the strings are only quoted;
- a ``json`` column as its text, which PostgreSQL keeps verbatim and has checked to
  be one JSON value: a column's text cannot reach into the next key;
- the time in UTC with microseconds, as ``format_time`` writes it;
- the duration as PostgreSQL prints a float, exactly (``extra_float_digits`` is set
  for the transaction; from version 12 the shortest exact text, Python's too), with
  Python's ``.0`` after a whole number. From 1e15 on PostgreSQL writes an exponent
  where Python does not: such events are suspects.

Guards keep the text faithful: the columns must have the types of the hub's schema
(a string column of type ``json`` would be written as it is, a time without a zone
read in another one) and the database must be UTF-8, or every event is a suspect;
and a time is written only between the years 1 and 9999 (PostgreSQL writes the year
2026 BC as "2026").
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import JSON, Connection, Engine, String, text

from xietong.audit.events import GENESIS_HASH
from xietong.kernel.store import UNHASHED, AuditEvent

RANGE = 50_000
"""Events per query: the unit of progress. The join's hash table of a range stays
within PostgreSQL's default memory for one (4 MB work_mem, twice that for a hash)."""

_COLUMNS = AuditEvent.__table__.columns
_BODY_KEYS = sorted(column.name for column in _COLUMNS if column.name not in UNHASHED)
_JSON = [key for key in _BODY_KEYS if isinstance(_COLUMNS[key].type, JSON)]
_STRINGS = [key for key in _BODY_KEYS if isinstance(_COLUMNS[key].type, String)]
_TYPES = {
    **{key: {"json"} for key in _JSON},  # not jsonb: its text is not the text stored
    **{key: {"character varying", "text"} for key in [*_STRINGS, "prev_hash", "hash"]},
    "seq": {"integer"},
    "at": {"timestamp with time zone"},
    "duration_ms": {"double precision"},
}
_FORMATS = {
    "at": """'"' || to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'""",
    "seq": "e.seq::text",
    "duration_ms": (
        "CASE WHEN e.duration_ms = trunc(e.duration_ms) AND abs(e.duration_ms) < 1e15"
        " THEN e.duration_ms::text || '.0' ELSE e.duration_ms::text END"
    ),
    **{key: f"e.{key}::text" for key in _JSON},
}


def _canonical_text(*, escaped: bool) -> str:
    """SQL for an event's canonical text; strings only quoted unless ``escaped``."""
    parts = []
    for position, key in enumerate(_BODY_KEYS):
        if key in _STRINGS:
            value = f"to_json(e.{key})::text" if escaped else f"""'"' || e.{key} || '"'"""
        else:
            value = _FORMATS[key]
        parts.append(f"""'{"{" if position == 0 else ","}"{key}":' || coalesce({value}, 'null')""")
    return " || ".join(parts) + " || '}'"


_STRINGS_AS_ONE = " || ".join(f"coalesce(e.{key}, '')" for key in _STRINGS)
_STRINGS_OCTETS = " + ".join(f"coalesce(octet_length(e.{key}), 0)" for key in _STRINGS)
_TEXT = f"""CASE WHEN octet_length(to_json({_STRINGS_AS_ONE})::text) = {_STRINGS_OCTETS} + 2
    THEN {_canonical_text(escaped=False)}
    ELSE {_canonical_text(escaped=True)} END"""
_SUSPECTS = f"""
SELECT e.seq FROM audit_events AS e
LEFT JOIN audit_events AS p ON p.seq = e.seq - 1 AND p.seq BETWEEN :low - 1 AND :high - 1
WHERE e.seq BETWEEN :low AND :high AND NOT coalesce(
    (e.seq = 1 OR p.seq IS NOT NULL)
    AND e.prev_hash = coalesce(p.hash, '{GENESIS_HASH}')
    AND e.at BETWEEN '0001-01-01 00:00:00+00' AND '9999-12-31 23:59:59.999999+00'
    AND encode(sha256(convert_to(e.prev_hash || {_TEXT}, 'UTF8')), 'hex') = e.hash,
    false)
ORDER BY e.seq
"""
"""Every event in ``low..high`` that follows no event (but the first), links to the
wrong hash, or may not hash to its own. The strings need no escaping exactly when
escaping them all at once only adds the two quotes around them."""
_ALL = "SELECT seq FROM audit_events WHERE seq BETWEEN :low AND :high ORDER BY seq"


def _can_screen(connection: Connection) -> bool:
    """The database holds the log in the types the screen's text relies on."""
    if connection.scalar(text("SHOW server_encoding")) != "UTF8":
        return False
    columns = connection.execute(
        text(
            "SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute"
            " WHERE attrelid = 'audit_events'::regclass AND attnum > 0 AND NOT attisdropped"
        )
    )
    types = {column.name: column.type for column in columns}
    return all(types.get(name) in expected for name, expected in _TYPES.items())


def suspects(
    engine: Engine,
    last_seq: int,
    *,
    progress: Callable[[int], None] | None = None,
    range_size: int = RANGE,
) -> list[int]:
    """The suspects among events ``1..last_seq`` of a PostgreSQL hub database, in
    order, screened ``range_size`` events at a time in one snapshot; all of them if
    the database cannot be screened. ``progress`` is told how many events each
    screened range held."""
    found: list[int] = []
    with engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        # Exact float text on every version (12 and later: the shortest exact one).
        connection.execute(text("SET LOCAL extra_float_digits = 3"))
        # The planner prices sha256 and the text like an addition, so it would not
        # start a parallel worker for a range, nor expect only suspects to come back;
        # compiling the long expression (JIT) gained nothing measured.
        for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "jit = off"):
            connection.execute(text(f"SET LOCAL {setting}"))
        query = text(_SUSPECTS if _can_screen(connection) else _ALL)
        for low in range(1, last_seq + 1, range_size):
            high = min(low + range_size - 1, last_seq)
            found += connection.execute(query, {"low": low, "high": high}).scalars()
            if progress:
                progress(high - low + 1)
    return found
