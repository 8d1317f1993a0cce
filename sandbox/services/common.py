"""What the sandbox services share: a read-only SQLite reader, input checks that
raise ``InputError``, the artificial latency, and the app factory that renders
every error in the service's own error format."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from xietong.kernel.db import read_by_mapping
from xietong.kernel.errors import ConfigError

DELAY_ENV = "XIETONG_SANDBOX_DELAY_MS"

ErrorBody = Callable[[str, str], dict[str, Any]]
"""``(native error code, message)`` → the service's error JSON."""


class JSONAnswer(JSONResponse):
    """A service's JSON answer, encoded by orjson: compact UTF-8 as starlette's own, at a
    fraction of its CPU (a city's registry scan is 20 MB of answers, a sixth of the
    services' CPU when ``json`` encoded it)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_list_text(values: list[str]) -> str:
    """``values`` as the JSON text a ``json_each(?)`` parameter reads, by orjson (a tenth
    of ``json``'s time for a batch of thousands of keys)."""
    return orjson.dumps(values).decode()


class InputError(Exception):
    """The request is malformed; answered with ``status`` and a native error body."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class SqliteReader:
    """Read-only queries on one SQLite file, run in the thread pool.

    Connections are pooled (one per concurrently busy thread) because opening a
    file per request would cost more than most of the queries here.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._all: list[sqlite3.Connection] = []

    def check(self) -> None:
        if not self.path.is_file():
            raise ConfigError(
                f"sandbox database {self.path} does not exist (seed it: `xietong seed`)"
            )

    async def fetch(self, sql: str, parameters: Sequence[object] = ()) -> list[sqlite3.Row]:
        return await run_in_threadpool(self._fetch, sql, parameters)

    def _fetch(self, sql: str, parameters: Sequence[object]) -> list[sqlite3.Row]:
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self._connect()
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            self._idle.put(connection)

    def _connect(self) -> sqlite3.Connection:
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        # A department's database server keeps its hot pages in memory, as the hub's
        # own readers of these files do.
        read_by_mapping(connection)
        self._all.append(connection)
        return connection

    def close(self) -> None:
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle = queue.SimpleQueue()


class DelayMiddleware:
    """Holds every request for ``delay_ms`` first: benchmarks use it to play a
    remote department system on a slow network."""

    def __init__(self, app: ASGIApp, delay_ms: float) -> None:
        self.app = app
        self.delay = delay_ms / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.delay > 0:
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def resolve_delay(delay_ms: float | None) -> float:
    if delay_ms is not None:
        return max(0.0, delay_ms)
    raw = os.environ.get(DELAY_ENV, "")
    try:
        return max(0.0, float(raw)) if raw else 0.0
    except ValueError:
        raise ConfigError(f"{DELAY_ENV}={raw!r} is not a number of milliseconds") from None


def native_app(
    routes: Sequence[BaseRoute],
    reader: SqliteReader,
    error_body: ErrorBody,
    *,
    delay_ms: float | None,
) -> Starlette:
    """A Starlette app whose every error (bad input, unknown path, wrong method,
    even a bug) is answered in the service's own error format."""

    async def input_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, InputError)
        return JSONAnswer(error_body(error.code, error.message), status_code=error.status)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return JSONAnswer(
            error_body(str(error.status_code), error.detail),
            status_code=error.status_code,
            headers=error.headers,
        )

    async def server_error(request: Request, error: Exception) -> Response:
        return JSONAnswer(error_body("500", "internal error"), status_code=500)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        reader.check()
        try:
            yield
        finally:
            reader.close()

    delay = resolve_delay(delay_ms)
    return Starlette(
        routes=list(routes),
        middleware=[Middleware(DelayMiddleware, delay_ms=delay)] if delay else [],
        exception_handlers={
            InputError: input_error,
            HTTPException: http_error,
            Exception: server_error,
        },
        lifespan=lifespan,
    )


async def json_object(request: Request, allowed: set[str], code: str) -> dict[str, Any]:
    """The request body as a JSON object with only ``allowed`` keys."""
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise InputError(code, "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InputError(code, "request body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InputError(code, f"unknown fields {unknown}; expected some of {sorted(allowed)}")
    return body


def string_list(
    value: object, field: str, code: str, *, limit: int, check: Callable[[str], str | None]
) -> list[str]:
    """A non-empty list of at most ``limit`` valid strings, duplicates dropped, order kept."""
    if not isinstance(value, list) or not value:
        raise InputError(code, f"{field} must be a non-empty array of strings")
    if len(value) > limit:
        raise InputError(code, f"{field} has {len(value)} entries; at most {limit} per request")
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise InputError(code, f"{field}[{position}] must be a string")
        problem = check(item)
        if problem:
            raise InputError(code, f"{field}[{position}] {item!r}: {problem}")
    return list(dict.fromkeys(value))


def chosen_fields(value: object, code: str, *, known: Sequence[str], key: str) -> list[str]:
    """A ``fields`` list (what a scan's records hold): ``key``, always answered, then
    those of ``known`` asked for, each once; another name is refused as ``code``."""
    wanted = string_list(
        value, "fields", code, limit=len(known),
        check=lambda name: None if name in known else "not a field of these records",
    )  # fmt: skip
    return list(dict.fromkeys([key, *wanted]))


def whole_number(value: object, field: str, code: str, *, low: int, high: int) -> int:
    """An integer in ``low..high``; digit strings are accepted (query parameters)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(code, f"{field} must be a whole number from {low} to {high}")
    return value


def yuan(cents: int) -> str:
    """Integer cents (fen) → a yuan string with two decimals: 123450 → ``"1234.50"``."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
