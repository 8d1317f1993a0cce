"""The hub's own database: URL handling, engines and a start-up connectivity check.

The hub stores only what it owns (clients and keys, annual reviews, the audit log).
SQLite is the embedded default; PostgreSQL (psycopg 3) is production. JSON is
stored canonically (sorted keys, no spaces, UTF-8): a stored access-log event's
columns are then already the text it was hashed over (``auth.audit.screen``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from xietong.kernel.canonical import canonical
from xietong.kernel.errors import ConfigError

T = TypeVar("T")

_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def parse_database_url(raw: str, *, setting: str = "XIETONG_DATABASE_URL") -> URL:
    """Parse and check a database URL; only SQLite and PostgreSQL are supported."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{setting}={raw!r} is not a database URL "
            "(expected sqlite:///path/hub.db or postgresql://user@host:5432/db)"
        ) from None
    if url.get_backend_name() not in _SYNC_DRIVERS:
        raise ConfigError(
            f"{setting}={raw!r}: unsupported database {url.get_backend_name()!r} "
            "(use sqlite or postgresql)"
        )
    if url.get_backend_name() == "sqlite" and url.database in (None, ""):
        raise ConfigError(f"{setting}={raw!r}: give a file path, e.g. sqlite:///.xietong/hub.db")
    return url


def sync_url(raw: str) -> URL:
    url = parse_database_url(raw)
    return url.set(drivername=_SYNC_DRIVERS[url.get_backend_name()])


def async_url(raw: str) -> URL:
    url = parse_database_url(raw)
    return url.set(drivername=_ASYNC_DRIVERS[url.get_backend_name()])


def _prepare_sqlite_file(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


_BUSY_TIMEOUT_MS = 10_000

_SQLITE_READS = ("PRAGMA mmap_size = 1073741824", "PRAGMA cache_size = -16384")


def read_by_mapping(dbapi_connection: object, _record: object = None) -> None:
    """A SQLite connection that reads a department's file through memory mapping (the
    pages the operating system caches anyway, shared by every connection, without a
    system call each) and keeps 16 MiB of pages of its own: a city's answers read rows
    all over a large file, and with SQLite's default 2 MiB each page read was a copy
    from the kernel (a third of the CPU of a city's risk questions). A loaded file is
    replaced whole (``os.replace``), never truncated under a mapping. Also a
    SQLAlchemy ``connect`` listener."""
    for pragma in _SQLITE_READS:
        dbapi_connection.execute(pragma)  # type: ignore[attr-defined]


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers go on while one writer appends; the busy timeout makes
    # concurrent writers wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_sync_engine(raw: str) -> Engine:
    """A synchronous engine; its pooled connections may be used from worker threads
    in turn (never two threads at once), as the access log does."""
    return _sync_engine(raw, lookups=False)


def create_lookup_engine(raw: str) -> Engine:
    """An engine for reads of one statement (a client's registration, a joint record's
    hub inspections), made through ``lookup``: no transaction (no BEGIN before, no
    ROLLBACK as the connection goes back to the pool) and no ping before each use, a
    round trip each on PostgreSQL. Never for writes, which need their transaction."""
    return _sync_engine(raw, lookups=True)


def lookup(engine: Engine, read: Callable[[Connection], T]) -> T:
    """``read`` (reads only) on a connection of a lookup engine; once more, on a new
    connection, when the first was one the server had dropped (a restarted
    PostgreSQL): what a ping before each use would have found, without its round
    trip every time. Any other failure is raised as it is."""
    try:
        with engine.connect() as connection:
            return read(connection)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with engine.connect() as connection:
        return read(connection)


def _sync_engine(raw: str, *, lookups: bool) -> Engine:
    url = sync_url(raw)
    _prepare_sqlite_file(url)
    sqlite = url.get_backend_name() == "sqlite"
    engine = create_engine(
        url,
        pool_pre_ping=not lookups,
        json_serializer=canonical,
        connect_args={"check_same_thread": False} if sqlite else {},
        **({"isolation_level": "AUTOCOMMIT"} if lookups else {}),
    )
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


HUB_POOL_SIZE = 10
HUB_POOL_OVERFLOW = 5
"""Connections a worker keeps open to a PostgreSQL hub store, and how many more it
may open for a while: as many at most as SQLAlchemy's default (5 + 10), but kept
open for ten requests at once instead of five, so that a busy worker does not
connect and disconnect for every request past the fifth."""


def create_hub_engine(raw: str) -> AsyncEngine:
    url = async_url(raw)
    _prepare_sqlite_file(url)
    pool = (
        {"pool_size": HUB_POOL_SIZE, "max_overflow": HUB_POOL_OVERFLOW}
        if url.get_backend_name() == "postgresql"
        else {}
    )
    engine = create_async_engine(url, pool_pre_ping=True, json_serializer=canonical, **pool)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def describe(url: URL) -> str:
    """The URL without its password, for messages."""
    return url.render_as_string(hide_password=True)


async def check_reachable(engine: AsyncEngine) -> None:
    """Fail with one clear line if the hub database cannot be reached."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise ConfigError(f"hub database {describe(engine.url)} is unreachable: {reason}") from None


def check_writable(engine: Engine, *, wait: float) -> None:
    """Fail with one clear line unless the hub database takes a write now.

    Reachable is not enough: a store that is read-only (a failed-over replica, a
    revoked grant, a full disk) or locked by someone else answers SELECT 1 and
    fails every request's access-log event. The probe touches the chain head,
    the row every append writes first, and rolls back; it waits for a lock at
    most ``wait`` seconds.
    """
    wait_ms = max(1, int(wait * 1000))
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
            else:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {wait_ms}")
            try:
                connection.execute(text("UPDATE audit_chain_head SET seq = seq WHERE id = 1"))
            finally:
                connection.rollback()
                if sqlite:  # the pooled connection goes back as it came
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    except (DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise ConfigError(
            f"hub database {describe(engine.url)} does not take writes: {reason}"
        ) from None
