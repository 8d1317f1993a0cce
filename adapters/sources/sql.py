"""A department database reached through SQLAlchemy's pool, read-only: each statement
is compiled by SQLAlchemy once, then run on the driver's own cursor.

``fetch_many`` runs several statements on one pooled connection as one call, so
an adapter can read every section of a batch of records in one round; the whole
call is bounded by the source's ``timeout`` and refused while its circuit
breaker is open.

The statements of a call run together in a worker thread on a synchronous
engine: one hand-off per call instead of one per statement (an async driver
crosses threads for every statement), and the database's C code runs beside the
event loop instead of contending with it.

Each source has threads of its own, at most ``THREADS`` of them: a department
whose database hangs (a SQLite file locked by a writer of its own, say) then
holds up only its own calls, never another department's or the hub's own store.
A call that times out interrupts its statement, and SQLite waits for a lock at
most half the timeout, so its thread is soon free again; calls still queued for
a thread when they time out are dropped without running.

>>> institutions, courses = await source.fetch_many([
...     query("SELECT * FROM jg_jbxx WHERE tyshxydm IN :codes", codes=codes),
...     query("SELECT * FROM kc WHERE tyshxydm IN :codes", codes=codes),
... ])
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    TextClause,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from xietong.adapters.config import SourceConfig
from xietong.adapters.sources.breaker import CircuitBreaker
from xietong.adapters.sources.guard import guarded_call
from xietong.adapters.sources.health import SourceHealth
from xietong.adapters.sources.retry import CallFailed
from xietong.kernel.db import read_by_mapping
from xietong.kernel.errors import ConfigError

R = TypeVar("R")
Rows = list[dict[str, Any]]
DriverCursor = Any
"""A DB-API cursor, sqlite3's or psycopg's: rows come as the driver gives them (tuples).
The statements are text with no column types, so SQLAlchemy would convert nothing,
and its execution and ``Row`` objects cost more than a small statement itself."""
_READ_ONLY = "-c default_transaction_read_only=on"
THREADS = 4
"""Reads of one source at once; more wait their turn (within the call's timeout)."""


@dataclass(frozen=True, slots=True)
class Table:
    """Rows sent with a statement and read there as a table (``FROM :name AS alias``):
    keys with values to compare, such as a bank's largest order of each course."""

    columns: tuple[tuple[str, str], ...]
    """Each column's name and SQL type."""
    rows: Sequence[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement's SQL and the names of its list parameters (``IN :name``) and table
    parameters (``FROM :name``, with their columns)."""

    sql: str
    lists: tuple[str, ...]
    tables: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def bound(self, dialect: str, parameters: Mapping[str, Any]) -> tuple[TextClause, Any]:
        """The clause for ``dialect`` and its parameters: each list as one value (a JSON
        array SQLite's ``json_each`` reads, an array for PostgreSQL's ``ANY``), so the
        statement is the same whatever the list's length, and each table as one JSON
        value. Expanded, one bound variable per item, SQLAlchemy rendered every item
        anew on every call: seconds of the hub's CPU for a city's codes."""
        clause = _clause(self.sql, self.lists, self.tables, dialect)
        if not self.lists and not self.tables:
            return clause, parameters
        bound = dict(parameters)
        for name in self.lists:
            items = list(parameters[name])
            bound[name] = orjson.dumps(items).decode() if dialect == "sqlite" else items
        for name, columns in self.tables:
            rows = parameters[name].rows
            if dialect != "sqlite":  # json_to_recordset reads objects
                names = [column for column, _ in columns]
                rows = [dict(zip(names, row, strict=True)) for row in rows]
            bound[name] = orjson.dumps(list(rows)).decode()
        return clause, bound


Query = tuple[Statement, Mapping[str, Any]]
"""A statement and its parameters, as ``query`` builds them."""


def query(sql: str, **parameters: Any) -> Query:
    """``sql`` with named ``:parameters``; a list or tuple value is a list of keys for an
    ``IN :name`` (or ``NOT IN :name``) condition, a ``Table`` the rows of ``FROM :name``."""
    lists = tuple(name for name, value in parameters.items() if isinstance(value, list | tuple))
    tables = tuple(
        (name, value.columns) for name, value in parameters.items() if isinstance(value, Table)
    )
    return Statement(sql, lists, tables), parameters


@lru_cache(maxsize=1024)
def _clause(
    sql: str,
    lists: tuple[str, ...],
    tables: tuple[tuple[str, tuple[tuple[str, str], ...]], ...],
    dialect: str,
) -> TextClause:
    """The clause for ``sql`` on ``dialect``, made once: a clause is immutable, and the
    same one each time also keeps SQLAlchemy's cache key for it (a new one is parsed and
    keyed afresh on every call). ``string_agg`` is SQLite's ``group_concat``."""
    if dialect == "sqlite":
        sql = _STRING_AGG.sub("group_concat(", sql)
    for name in lists:
        found = re.compile(rf"\b(NOT\s+)?IN\s+:{name}\b", re.IGNORECASE)
        if not found.search(sql):
            raise ValueError(f"list parameter :{name} is not the right side of an IN")
        sql = found.sub(partial(_list_condition, name, dialect), sql)
    for name, columns in tables:
        found = re.compile(rf"\bFROM\s+:{name}\b", re.IGNORECASE)
        if not found.search(sql):
            raise ValueError(f"table parameter :{name} does not follow a FROM")
        sql = found.sub(f"FROM {_table(name, columns, dialect)}", sql)
    return text(sql)


_STRING_AGG = re.compile(r"\bstring_agg\(", re.IGNORECASE)


def _table(name: str, columns: tuple[tuple[str, str], ...], dialect: str) -> str:
    if dialect == "sqlite":
        read = ", ".join(
            f"json_extract(value, '$[{index}]') AS {column}"
            for index, (column, _) in enumerate(columns)
        )
        return f"(SELECT {read} FROM json_each(:{name}))"
    typed = ", ".join(f"{column} {kind}" for column, kind in columns)
    return f"(SELECT * FROM json_to_recordset(CAST(:{name} AS json)) AS sent({typed}))"


def _list_condition(name: str, dialect: str, match: re.Match[str]) -> str:
    negated = bool(match[1])
    if dialect == "sqlite":
        return f"{'NOT ' if negated else ''}IN (SELECT value FROM json_each(:{name}))"
    return f"<> ALL(:{name})" if negated else f"= ANY(:{name})"


def _sqlite_file(config: SourceConfig) -> Path | None:
    url = make_url(config.url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _engine(config: SourceConfig, *, read_only: bool = True) -> Engine:
    try:
        url = make_url(config.url)
    except ArgumentError:
        raise ConfigError(f"source {config.name!r}: {config.url!r} is not a database URL") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        # mode=ro: the hub reads a department's database, never writes to it (but for
        # the instructions a bank takes in its own instruction table: ``write``).
        url = url.set(
            drivername="sqlite",
            database=f"file:{url.database}?mode={'ro' if read_only else 'rw'}",
            query={"uri": "true"},
        )
        # Pooled connections are used from the worker threads in turn, never at once.
        # A locked database is waited for half the call's time at most, so the
        # thread is free again soon after the call has given up.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": config.timeout / 2}
        )
        if read_only:
            event.listen(engine, "connect", read_by_mapping)
        return engine
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
        # connect_args replaces the URL's own `options` (a search_path, say): keep both.
        given = url.query.get("options")
        read = (_READ_ONLY,) if read_only else ()
        options = " ".join((*([given] if isinstance(given, str) else given or ()), *read))
        return create_engine(
            url.difference_update_query(["options"]),
            pool_pre_ping=True,
            connect_args={"options": options},
        )
    raise ConfigError(f"source {config.name!r}: unsupported database {backend!r}")


class SqlSource:
    """Runs read-only statements against one department database."""

    def __init__(self, config: SourceConfig, *, breaker: CircuitBreaker | None = None) -> None:
        self.config = config
        self.health = SourceHealth()
        self.breaker = breaker or CircuitBreaker()
        self.engine = _engine(config)
        self._writer = _engine(config, read_only=False)
        """Connects only when ``write`` is called (creating an engine does no I/O)."""
        self._file = _sqlite_file(config)
        self._threads = ThreadPoolExecutor(THREADS, thread_name_prefix=f"source-{config.name}")
        self.calls = 0
        """Rounds that reached for the database (one per ``fetch`` or ``fetch_many``)."""

    async def fetch(
        self,
        statement: str | Statement,
        parameters: Mapping[str, Any] | None = None,
    ) -> Rows:
        """Rows of ``statement`` as dicts keyed by the source's own column names."""
        if isinstance(statement, str):
            statement, parameters = query(statement, **(parameters or {}))
        (rows,) = await self.fetch_many([(statement, parameters or {})])
        return rows

    async def fetch_many(self, statements: Sequence[Query]) -> list[Rows]:
        """The rows of each statement, run in order on one connection: one call."""
        return await self._call(statements, _as_dicts)

    async def fetch_tuples(self, statements: Sequence[Query]) -> list[list[tuple[Any, ...]]]:
        """As ``fetch_many``, with each row a plain tuple in the statement's column order:
        for scans of many thousand rows, where making a dict of each would cost more
        than the query."""
        return await self._call(statements, _as_tuples)

    async def _call(
        self, statements: Sequence[Query], shape: Callable[[DriverCursor], list[R]]
    ) -> list[list[R]]:
        async def attempt() -> list[list[R]]:
            running = _Running()
            loop = asyncio.get_running_loop()
            try:
                return await loop.run_in_executor(
                    self._threads, self._run, statements, shape, running
                )
            except asyncio.CancelledError:
                running.interrupt()  # timed out: give the thread back
                raise

        return await guarded_call(self, attempt, failure_of=_failure_of)

    def _run(
        self,
        statements: Sequence[Query],
        shape: Callable[[DriverCursor], list[R]],
        running: _Running,
    ) -> list[list[R]]:
        # In the worker thread, like any other I/O: a missing file said plainly (opened
        # read-only, SQLite would only say it is "unable to open database file").
        if self._file is not None and not self._file.is_file():
            raise FileNotFoundError(f"database file {self._file} does not exist")
        with self.engine.connect() as connection, running.on(connection):
            dialect = connection.dialect
            driver = connection.connection.driver_connection
            assert driver is not None, "a pooled connection holds its driver's"
            cursor = driver.cursor()
            try:
                answers = []
                for statement, parameters in statements:
                    clause, bound = statement.bound(dialect.name, parameters)
                    sql, names = _driver_sql(clause, dialect)
                    given = bound if names is None else [bound[name] for name in names]
                    try:
                        cursor.execute(sql, given)
                        answers.append(shape(cursor))
                    except dialect.loaded_dbapi.Error as error:
                        # As SQLAlchemy would: a connection the server dropped is not
                        # given back to the pool, and the error is SQLAlchemy's, so that
                        # callers tell a database's refusal the same way for every driver.
                        if dialect.is_disconnect(error, driver, cursor):
                            connection.invalidate(error)
                        raise DBAPIError.instance(
                            sql, given, error, dialect.loaded_dbapi.Error
                        ) from error
                return answers
            finally:
                cursor.close()

    async def write(self, work: Callable[[Connection], R]) -> R:
        """``work`` on a writable connection of its own, in the source's threads and under
        its guard (circuit, timeout, health): for the one thing the hub writes to a
        department, a bank's release instruction. ``work`` owns its transaction."""

        async def attempt() -> R:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, self._write, work)

        return await guarded_call(self, attempt, failure_of=_failure_of)

    def _write(self, work: Callable[[Connection], R]) -> R:
        with self._writer.connect() as connection:
            return work(connection)

    async def ping(self) -> None:
        await self.fetch("SELECT 1")

    async def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()
        self._writer.dispose()


class _Running:
    """The driver connection a call's statements run on, while they run: what a
    timed-out call interrupts. Under a lock, so that a connection already back in
    the pool (and perhaps another call's) is never interrupted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._driver: Any = None
        self._interrupted = False

    @contextmanager
    def on(self, connection: Connection) -> Iterator[None]:
        with self._lock:
            if self._interrupted:
                raise TimeoutError("the call timed out before it ran")
            self._driver = connection.connection.driver_connection
        try:
            yield
        finally:
            with self._lock:
                self._driver = None

    def interrupt(self) -> None:
        with self._lock:
            self._interrupted = True
            driver = self._driver
            if isinstance(driver, sqlite3.Connection):
                driver.interrupt()
            elif driver is not None:
                driver.cancel()  # psycopg: the server cancels the running statement


def _as_dicts(cursor: DriverCursor) -> Rows:
    keys = [column[0] for column in cursor.description or ()]
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _as_tuples(cursor: DriverCursor) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = list(cursor.fetchall())
    return rows


@lru_cache(maxsize=1024)
def _driver_sql(clause: TextClause, dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """``clause`` as the driver's own SQL, and the order of its parameters when the
    driver takes them by position (sqlite3's ``?``); None: by name (psycopg)."""
    compiled = clause.compile(dialect=dialect)
    names = compiled.positiontup
    return compiled.string, tuple(names) if names is not None else None


def _failure_of(error: Exception) -> CallFailed | None:
    """The database refused or could not be reached, or its file is missing: said in
    the first line of the driver's own message."""
    if not isinstance(error, DBAPIError | OSError):
        return None
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return CallFailed(lines[0] if lines else type(cause).__name__, transient=False)
