"""Rate limits with the ``limits`` library: per client at ``/graphql``, per address
at ``/oauth/token`` (each try there costs a slow secret check).

In this process's memory by default (each worker then has its own budget), or in
Redis when ``XIETONG_REDIS_URL`` is set, so that every worker shares one. A moving
window: exact, and no burst at a window's edge.

In memory, the library's synchronous storage (``_InMemory``), whose expired entries
are dropped at most once a second by the request that finds them due
(``_QuietMemoryStorage``). The library drops them on a timer thread it starts again
whenever the last one has ended, 10 ms after it started: at fewer than a hundred
requests a second, a thread a request (0.6 ms of CPU each here, against 12 µs for the
hit itself). Its asynchronous storage handed a worker thread a pass per key after
every hit (about 0.4 ms of CPU a request with the default two rates, on two cores).

A shared store that cannot be reached (at start-up or later) does not stop the
hub: each worker then counts in its own memory until the store answers again, and
the log says so at ERROR when it starts and at WARNING when it ends. The store
protects the departments' systems, it does not guard any data.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Protocol

from limits import RateLimitItem, WindowStats, parse_many
from limits import storage as sync_storage
from limits import strategies as sync_strategies
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings

log = logging.getLogger("xietong.rate_limit")

STORE_TIMEOUT_SECONDS = 0.5
"""How long a request waits for Redis before it is let through unlimited."""


class Budget(StrEnum):
    REQUESTS = "requests"
    """GraphQL requests, per client (``XIETONG_RATE_LIMIT``)."""
    TOKENS = "tokens"
    """Token requests, per address (``XIETONG_TOKEN_RATE_LIMIT``)."""


class _Strategy(Protocol):
    async def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool: ...

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


EXPIRY_SECONDS = 1.0
"""How often expired entries are dropped (they are skipped when counting anyway)."""


class _QuietMemoryStorage(sync_storage.MemoryStorage):
    """The library's memory storage, its expired entries dropped in the calling thread
    at most every ``EXPIRY_SECONDS``, not by a thread started after each quiet 10 ms.

    The library calls its private ``__schedule_expiry`` before every change; this is
    that method (by its mangled name) doing the expiry itself.
    ``tests/web/test_rate_limit.py`` fails if an upgrade starts a thread again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._expire_at = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._expire_at:
            self._expire_at = now + EXPIRY_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class _InMemory:
    """The moving window in this process's memory: the library's synchronous strategy
    and storage behind the asynchronous strategy's calls (nothing in them waits)."""

    def __init__(self) -> None:
        self.storage = _QuietMemoryStorage()
        self._strategy = sync_strategies.MovingWindowRateLimiter(self.storage)

    async def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._strategy.hit(item, *identifiers, cost=cost)

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self._strategy.get_window_stats(item, *identifiers)


class RateLimiter:
    """``await limiter.admit(key, budget)``: ``None`` to go ahead, else seconds to wait."""

    def __init__(
        self,
        budgets: Mapping[Budget, Iterable[RateLimitItem]],
        storage: Storage | None = None,
        pool: ConnectionPool | None = None,
    ) -> None:
        """``storage``: the shared store (with its ``pool``); None counts in memory."""
        self.budgets = {budget: list(rates) for budget, rates in budgets.items()}
        self.storage = storage
        self._strategy: _Strategy = (
            _InMemory() if storage is None else MovingWindowRateLimiter(storage)
        )
        self._pool = pool
        # Where this worker counts while the shared store does not answer.
        self._local = _InMemory() if storage is not None else None
        self._store_failed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        budgets = {
            Budget.REQUESTS: parse_many(settings.rate_limit),
            Budget.TOKENS: parse_many(settings.token_rate_limit),
        }
        if settings.redis_url is None:
            return cls(budgets)
        url = settings.redis_url.removeprefix("async+")
        try:
            pool = ConnectionPool.from_url(
                url,
                socket_connect_timeout=STORE_TIMEOUT_SECONDS,
                socket_timeout=STORE_TIMEOUT_SECONDS,
            )
        except ValueError as error:
            raise ConfigError(f"XIETONG_REDIS_URL={url!r} is not a Redis URL: {error}") from None
        storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=settings.rate_limit_prefix,
            wrap_exceptions=True,
            # A documented option of RedisStorage; its hint only names scalar options.
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return cls(budgets, storage, pool)

    @property
    def shared(self) -> bool:
        return self.storage is not None

    async def admit(self, key: str, budget: Budget = Budget.REQUESTS) -> float | None:
        if self._local is None:
            return await self._admit(self._strategy, key, budget)
        try:
            wait = await self._admit(self._strategy, key, budget)
        except StorageError as error:
            if not self._store_failed:
                log.error(
                    "rate-limit store failed (%s): this worker counts its own limits "
                    "until it answers",
                    error,
                )
            self._store_failed = True
            return await self._admit(self._local, key, budget)
        if self._store_failed:
            log.warning("rate-limit store answers again: limits are shared again")
            self._store_failed = False
        return wait

    async def _admit(self, strategy: _Strategy, key: str, budget: Budget) -> float | None:
        spent_from = f"{budget} {key}"
        for rate in self.budgets[budget]:
            if not await strategy.hit(rate, spent_from):
                stats = await strategy.get_window_stats(rate, spent_from)
                return max(1.0, math.ceil(stats.reset_time - time.time()))
        return None

    async def check(self) -> None:
        """A ConfigError if the shared store does not answer."""
        if self.storage is not None and not await self.storage.check():
            raise ConfigError("the rate-limit store (XIETONG_REDIS_URL) does not answer")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
