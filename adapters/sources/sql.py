"""A department database reached with SQLAlchemy Core, read-only and pooled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.config import SourceConfig
from adapters.sources.errors import SourceUnavailableError
from adapters.sources.health import SourceHealth
from xietong.errors import ConfigError


def _read_only_engine(config: SourceConfig) -> AsyncEngine:
    try:
        url = make_url(config.url)
    except ArgumentError:
        raise ConfigError(f"source {config.name!r}: {config.url!r} is not a database URL") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        # mode=ro: the hub never writes to a department's database.
        url = url.set(
            drivername="sqlite+aiosqlite",
            database=f"file:{url.database}?mode=ro",
            query={"uri": "true"},
        )
        return create_async_engine(url)
    if backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
        return create_async_engine(
            url,
            pool_pre_ping=True,
            connect_args={"options": "-c default_transaction_read_only=on"},
        )
    raise ConfigError(f"source {config.name!r}: unsupported database {backend!r}")


class SqlSource:
    """Runs read-only statements against one department database."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.health = SourceHealth()
        self.engine = _read_only_engine(config)
        self.calls = 0

    async def fetch(
        self, statement: str, parameters: Mapping[str, Any] | Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows of ``statement`` as dicts keyed by the source's own column names."""
        self.calls += 1
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.config.timeout):
                async with self.engine.connect() as connection:
                    result = await connection.execute(text(statement), parameters or {})
                    rows = [dict(row) for row in result.mappings()]
        except (DBAPIError, OSError, TimeoutError) as error:
            self._failed(error, started)
            raise self._unavailable(error) from error
        self.health.record_success(_elapsed_ms(started))
        return rows

    async def ping(self) -> None:
        await self.fetch("SELECT 1")

    async def close(self) -> None:
        await self.engine.dispose()

    def _failed(self, error: BaseException, started: float) -> None:
        self.health.record_failure(_describe(error), _elapsed_ms(started))

    def _unavailable(self, error: BaseException) -> SourceUnavailableError:
        return SourceUnavailableError(self.config.department, self.config.name, _describe(error))


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
