"""The live bus between two workers' listeners (two buses over one store): over
PostgreSQL LISTEN/NOTIFY an event leaves only with the transaction that sends it;
over Redis pub/sub once published; in one process for SQLite. Two stores never
hear each other."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import redis
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import async_sessionmaker

from xietong.kernel.db import create_hub_engine
from xietong.kernel.errors import ConfigError
from xietong.kernel.live_bus import BusKind, LiveBus, LiveEvent, Subscription

REDIS_URL = os.environ.get("XIETONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
EVENT = LiveEvent("caseAssigned", {"caseId": "c-1", "region": "410202"})


async def next_or_none(events: Subscription, wait: float = 1.0) -> LiveEvent | None:
    try:
        async with asyncio.timeout(wait):
            return await anext(events)
    except TimeoutError:
        return None


@asynccontextmanager
async def two_workers(
    database_url: str, redis_url: str | None
) -> AsyncIterator[tuple[LiveBus, LiveBus]]:
    first = LiveBus.for_store(database_url, redis_url)
    second = LiveBus.for_store(database_url, redis_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_over_postgres_an_event_leaves_with_its_transaction_only(
    postgres_database_url: str,
) -> None:
    engine = create_hub_engine(postgres_database_url)
    sessions = async_sessionmaker(engine)
    try:
        async with two_workers(postgres_database_url, REDIS_URL) as (sender, listener):
            assert sender.kind is BusKind.POSTGRES, "PostgreSQL is its own bus, Redis or not"
            async with listener.subscription() as events:
                async with sessions.begin() as session:
                    await sender.publish_in(session, LiveEvent("riskRaised", {"n": 1}))
                    await session.rollback()
                async with sessions.begin() as session:
                    await sender.publish_in(session, EVENT)
                    before_commit = await next_or_none(events, 0.3)
                after_commit = await next_or_none(events)
                nothing_more = await next_or_none(events, 0.3)
    finally:
        await engine.dispose()

    assert before_commit is None
    assert after_commit == EVENT
    assert nothing_more is None, "the rolled back event never left"


async def test_over_redis_an_event_reaches_the_other_worker(sqlite_url: str) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is unreachable: {error}")
    other_store = sqlite_url.replace("hub.db", "other.db")
    async with (
        two_workers(sqlite_url, REDIS_URL) as (sender, listener),
        two_workers(other_store, REDIS_URL) as (_, stranger),
    ):
        assert sender.kind is BusKind.REDIS
        async with listener.subscription() as events, stranger.subscription() as strangers:
            await sender.publish_after(EVENT)
            heard = await next_or_none(events)
            not_heard = await next_or_none(strangers, 0.3)

    assert heard == EVENT
    assert not_heard is None, "another store's hub hears nothing"


async def test_without_postgres_or_redis_events_stay_in_the_process(sqlite_url: str) -> None:
    bus = LiveBus.for_store(sqlite_url, None)
    before = REGISTRY.get_sample_value("xietong_live_subscribers") or 0
    async with bus.subscription() as first, bus.subscription() as second:
        open_now = REGISTRY.get_sample_value("xietong_live_subscribers")
        await bus.publish_after(EVENT)
        heard = [await next_or_none(first), await next_or_none(second)]

    assert bus.kind is BusKind.MEMORY
    assert heard == [EVENT, EVENT]
    assert open_now == before + 2, "/metrics counts the worker's open subscriptions"
    assert REGISTRY.get_sample_value("xietong_live_subscribers") == before


def test_a_bus_the_store_cannot_carry_is_a_configuration_error(sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        LiveBus.for_store(sqlite_url, None, "postgres")
    with pytest.raises(ConfigError, match="XIETONG_REDIS_URL"):
        LiveBus.for_store(sqlite_url, None, "redis")
