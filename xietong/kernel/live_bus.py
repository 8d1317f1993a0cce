"""Live events (a case assigned, a risk raised) fanned out to every worker's
subscribers (DESIGN §13).

A worker's subscribers share one listener: one ``LISTEN`` connection when the hub
store is PostgreSQL (``NOTIFY`` is sent inside the transaction of the change, so an
event leaves exactly when its change commits, and never for a change rolled back),
one Redis pub/sub connection when Redis is configured instead (published right
after the commit), or nothing but the process itself for SQLite without Redis (a
single worker: there is no one else to tell). ``XIETONG_LIVE_BUS`` picks one
explicitly.

The channel is named after the store (a hash of its URL), so hubs that share a
PostgreSQL server or a Redis, as the tests' schemas do, never hear each other.

    bus = LiveBus.for_store(database_url, redis_url)
    async with bus.subscription() as events:
        async for event in events:    # every event published by any worker
            ...
    await bus.publish_in(session, event)   # inside the change's transaction
    await bus.publish_after(event)         # once it has committed
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from prometheus_client import Counter, Gauge
from psycopg import sql
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from xietong.kernel.canonical import canonical, sha256_hex
from xietong.kernel.db import sync_url
from xietong.kernel.errors import ConfigError

log = logging.getLogger("xietong.live")

QUEUE_SIZE = 256
"""Events a slow subscriber may fall behind by; beyond it the oldest are dropped
(and the subscriber is told how many it missed)."""
SUBSCRIBERS = Gauge(
    "xietong_live_subscribers", "Subscriptions (caseAssigned, riskRaised) open on this worker"
)
DELIVERED = Counter("xietong_live_events_received", "Live events this worker's listener received")
FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 10.0


class BusKind(StrEnum):
    POSTGRES = "postgres"
    REDIS = "redis"
    MEMORY = "memory"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event: its ``topic`` (``caseAssigned``, ``riskRaised``) and its values
    (plain JSON: ids, codes, dates as text; never a personal value)."""

    topic: str
    values: Mapping[str, Any]

    def encoded(self) -> str:
        return canonical({"topic": self.topic, "values": dict(self.values)})

    @classmethod
    def decoded(cls, text: str | bytes) -> LiveEvent | None:
        try:
            raw = json.loads(text)
            return cls(str(raw["topic"]), dict(raw["values"]))
        except (ValueError, KeyError, TypeError):
            log.warning("live bus: an unreadable message was ignored")
            return None


class Subscription:
    """A subscriber's queue of events, fed by its worker's listener."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[LiveEvent] = asyncio.Queue(QUEUE_SIZE)
        self.missed = 0

    def offer(self, event: LiveEvent) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.missed += 1
        self._queue.put_nowait(event)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> LiveEvent:
        return await self._queue.get()


class LiveBus:
    def __init__(self, kind: BusKind, channel: str, *, conninfo: str = "", redis_url: str = ""):
        self.kind = kind
        self.channel = channel
        self._conninfo = conninfo
        self._redis_url = redis_url
        self._subscriptions: set[Subscription] = set()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._redis: Redis | None = None

    @classmethod
    def for_store(cls, database_url: str, redis_url: str | None, choice: str = "") -> LiveBus:
        """The bus the store calls for (``choice``: ``XIETONG_LIVE_BUS``, empty for
        the store's own: PostgreSQL, else Redis if configured, else this process)."""
        url = sync_url(database_url)
        channel = "xietong_live_" + sha256_hex(database_url)[:16]
        postgres = url.get_backend_name() == "postgresql"
        kind = BusKind(choice) if choice else None
        if kind is None:
            kind = BusKind.POSTGRES if postgres else BusKind.REDIS if redis_url else BusKind.MEMORY
        if kind is BusKind.POSTGRES and not postgres:
            raise ConfigError("XIETONG_LIVE_BUS=postgres needs a PostgreSQL hub store")
        if kind is BusKind.REDIS and not redis_url:
            raise ConfigError("XIETONG_LIVE_BUS=redis needs XIETONG_REDIS_URL")
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(
            kind,
            channel,
            conninfo=conninfo if kind is BusKind.POSTGRES else "",
            redis_url=(redis_url or "").removeprefix("async+"),
        )

    async def publish_in(self, session: AsyncSession, event: LiveEvent) -> None:
        """Inside the change's transaction: PostgreSQL sends it on commit."""
        if self.kind is BusKind.POSTGRES:
            await session.execute(select(func.pg_notify(self.channel, event.encoded())))

    async def publish_after(self, event: LiveEvent) -> None:
        """Once the change has committed (Redis, or this process only)."""
        if self.kind is BusKind.REDIS:
            await self._redis_client().publish(self.channel, event.encoded())
        elif self.kind is BusKind.MEMORY:
            self._deliver(event)

    async def publish(self, session: AsyncSession | None, event: LiveEvent) -> None:
        """An event that is not a change's (a sweep's finding): sent at once."""
        if self.kind is BusKind.POSTGRES and session is not None:
            await self.publish_in(session, event)
        elif self.kind is BusKind.POSTGRES:
            async with await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True
            ) as connection:
                await connection.execute(
                    "SELECT pg_notify(%s, %s)", (self.channel, event.encoded())
                )
        else:
            await self.publish_after(event)

    @contextlib.asynccontextmanager
    async def subscription(self) -> AsyncIterator[Subscription]:
        """Events from now on, whichever worker publishes them; the listener is
        listening before this yields."""
        subscription = Subscription()
        self._subscriptions.add(subscription)
        SUBSCRIBERS.inc()
        try:
            await self._ensure_listening()
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
            SUBSCRIBERS.dec()

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    def _deliver(self, event: LiveEvent) -> None:
        DELIVERED.inc()
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    def _redis_client(self) -> Redis:
        if self._redis is None:
            self._redis = Redis.from_url(self._redis_url)
        return self._redis

    async def _ensure_listening(self) -> None:
        if self.kind is BusKind.MEMORY:
            return
        if self._listener is None or self._listener.done():
            self._listening.clear()
            self._listener = asyncio.create_task(self._listen())
        await self._listening.wait()

    async def _listen(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                if self.kind is BusKind.POSTGRES:
                    await self._listen_postgres()
                else:
                    await self._listen_redis()
            except (psycopg.Error, OSError, ConnectionError) as error:
                self._listening.clear()
                log.warning("live bus: %s; listening again in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LAST_RETRY_SECONDS)

    async def _listen_postgres(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True
        ) as connection:
            await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self._listening.set()
            async for notification in connection.notifies():
                event = LiveEvent.decoded(notification.payload)
                if event is not None:
                    self._deliver(event)

    async def _listen_redis(self) -> None:
        client = Redis.from_url(self._redis_url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(self.channel)
                # The subscription is confirmed before anything else arrives.
                while await pubsub.get_message(timeout=5) is None:
                    pass
                self._listening.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        event = LiveEvent.decoded(message["data"])
                        if event is not None:
                            self._deliver(event)
        finally:
            await client.aclose()
