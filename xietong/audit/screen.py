"""Screening a SQLite access log for events that might not verify, inside SQLite.

Verifying an event means re-encoding it canonically and hashing it; done row by row
in Python, that is the whole cost of the check. Here SQLite writes each event's
canonical text itself (one ``json_object`` over the columns, keys in sorted order)
and a one-line SQL function hashes it, so Python sees only the events that do not
check out, the *suspects*; ranges of the chain are screened in parallel processes,
each on its own read-only connection.

A screen never decides that an event is broken: every suspect is checked again,
exactly, by ``auth.audit.verify``. It only decides that an event is intact, when
the text it hashed matches the stored hash. That text is valid JSON made from the
stored values (strings escaped as Python escapes them with ``ensure_ascii=False``,
JSON columns through ``json``), so it reads back as exactly those values: a match
means the stored event is the one that was hashed. Where SQLite writes a value
differently from Python (keys out of order, ``\\u`` escapes, a float's last digit)
the event is only a suspect. Two guards keep the text faithful: a time only in the
layout SQLAlchemy writes, a duration only if its text reads back as the same number.

This module needs only the standard library: it is what each process imports.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from hashlib import sha256
from multiprocessing import current_process, get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from urllib.parse import quote

GENESIS_HASH = "0" * 64
RANGE = 25_000
"""Events per screened range: the unit of work of a process and of progress."""
PARALLEL_FROM = 2 * RANGE
"""A shorter chain is screened in this process: starting others would cost more."""

_JSON = "error_codes fields_denied fields_masked fields_read record_keys roles variables".split()
_KEYS = sorted(
    [
        *_JSON,
        *"case_id client_id department document_hash operation_name operation_type".split(),
        *"outcome purpose region subject at duration_ms seq".split(),
    ]
)


def _value(key: str) -> str:
    if key == "at":  # SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff", in UTC
        return "substr(e.at, 1, 10) || 'T' || substr(e.at, 12) || 'Z'"
    if key in _JSON:
        return f"json(e.{key})"
    return f"e.{key}"


_TEXT = "json_object(" + ", ".join(f"'{key}', {_value(key)}" for key in _KEYS) + ")"
_SUSPECTS = f"""
SELECT e.seq FROM audit_events AS e LEFT JOIN audit_events AS p ON p.seq = e.seq - 1
WHERE e.seq BETWEEN :low AND :high AND NOT coalesce(
    (e.seq = 1 OR p.seq IS NOT NULL)
    AND e.prev_hash = coalesce(p.hash, '{GENESIS_HASH}')
    AND length(e.at) = 26 AND substr(e.at, 11, 1) = ' '
    AND CAST(json_quote(e.duration_ms) AS REAL) = e.duration_ms
    AND chain_link_hash(e.prev_hash || {_TEXT}) = e.hash,
    0)
ORDER BY e.seq
"""
"""Every event in ``low..high`` that follows no event (but the first), links to the
wrong hash, or may not hash to its own: linkage by a join on the previous sequence
number, so any range can be screened alone."""


def _chain_link_hash(linked_text: str) -> str:
    """``chain_hash``, given the previous hash and the canonical text as one."""
    return sha256(linked_text.encode()).hexdigest()


def _connect(database: str) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{quote(database)}?mode=ro", uri=True)
    connection.create_function("chain_link_hash", 1, _chain_link_hash, deterministic=True)
    return connection


def screen_range(database: str, low: int, high: int) -> list[int]:
    """The suspects among events ``low..high``; all of them if SQLite cannot screen
    the range (a value it refuses to encode, say: only a damaged table holds one)."""
    connection = _connect(database)
    try:
        return [seq for (seq,) in connection.execute(_SUSPECTS, {"low": low, "high": high})]
    except sqlite3.DatabaseError:
        rows = connection.execute(
            "SELECT seq FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq", (low, high)
        )
        return [seq for (seq,) in rows]
    finally:
        connection.close()


def _start_method() -> BaseContext:
    """Forked when this process runs only one thread (the CLI): a fork starts in
    milliseconds. Otherwise spawned, as a server must: a thread of its own might hold
    a lock (SQLite's, the allocator's) at the moment of the fork, forever, in the child.
    """
    return get_context("fork" if threading.active_count() == 1 else "spawn")


def suspects(
    database: Path,
    last_seq: int,
    *,
    progress: Callable[[int], None] | None = None,
    range_size: int = RANGE,
    parallel_from: int = PARALLEL_FROM,
) -> list[int]:
    """The suspects among events ``1..last_seq`` of a SQLite hub database, in order:
    screened ``range_size`` events at a time, in one process per core once the chain
    holds ``parallel_from`` events. ``progress`` is told how many events each screened
    range held."""
    path = str(database)
    ranges = [
        (low, min(low + range_size - 1, last_seq)) for low in range(1, last_seq + 1, range_size)
    ]
    processes = min(len(ranges), len(os.sched_getaffinity(0)))
    if current_process().daemon:
        processes = 1  # a daemonic process may not start others
    screened: Iterator[list[int]]
    with contextlib.ExitStack() as stack:
        if last_seq < parallel_from or processes < 2:
            screened = (screen_range(path, low, high) for low, high in ranges)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(processes, mp_context=_start_method()))
            screened = pool.map(partial(screen_range, path), *zip(*ranges, strict=True))
        found: list[int] = []
        for (low, high), range_suspects in zip(ranges, screened, strict=True):
            found += range_suspects
            if progress:
                progress(high - low + 1)
    return found
