"""The replay cache of client assertions, in the hub database shared by all workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic import command
from sqlalchemy import inspect

from tests.auth.token_helpers import TokenHub
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import alembic_config, upgrade


async def test_of_concurrent_uses_of_one_assertion_exactly_one_wins(token_hub: TokenHub) -> None:
    cache = token_hub.service.used_assertions
    now = token_hub.clock()
    expires_at = now + timedelta(minutes=2)

    uses = await asyncio.gather(
        *(cache.first_use("fire-kaifeng", "jti-1", expires_at, now) for _ in range(5))
    )

    assert sorted(uses) == [False, False, False, False, True]
    assert await cache.first_use("edu-kaifeng", "jti-1", expires_at, now)  # per client


def test_the_replay_table_migrates_down_and_up(hub_database_url: str) -> None:
    def tables() -> set[str]:
        engine = create_sync_engine(hub_database_url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    command.downgrade(alembic_config(hub_database_url), "0001")
    assert "used_client_assertions" not in tables()
    assert "clients" in tables()

    upgrade(hub_database_url)
    assert "used_client_assertions" in tables()
