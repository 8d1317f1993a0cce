"""Rate limits per client: 429 with Retry-After and RATE_LIMITED, logged as DENIED;
in memory per process by default, shared through Redis across workers."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
import redis
from limits import parse_many

from tests.support.harness import HubHarness, SandboxWorld, hub_harness
from xietong.hub.rate_limits import Budget, RateLimiter
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings

REDIS_URL = os.environ.get("XIETONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ME = "{ me { clientId } }"

Opener = Callable[..., AbstractAsyncContextManager[HubHarness]]


def redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is unreachable in CI: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")


@pytest.fixture
def open_hub(migrated_sqlite_template: Path, tmp_path: Path, world: SandboxWorld) -> Opener:
    """Opens hubs over one SQLite database (as workers share one), with settings."""
    database = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)

    opened = 0

    def opener(**env: str) -> AbstractAsyncContextManager[HubHarness]:
        nonlocal opened
        opened += 1
        return hub_harness(f"sqlite:///{database}", world, env=env, register_clients=opened == 1)

    return opener


@pytest.fixture
async def limited(open_hub: Opener) -> AsyncIterator[HubHarness]:
    async with open_hub(XIETONG_RATE_LIMIT="3/minute") as harness:
        yield harness


async def test_over_its_budget_a_client_gets_429_with_retry_after(limited: HubHarness) -> None:
    answers = [await limited.graphql("demo-education", ME) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])


async def test_each_client_has_its_own_budget(limited: HubHarness) -> None:
    for _ in range(3):
        await limited.graphql("demo-education", ME)

    assert (await limited.graphql("demo-education", ME)).status_code == 429
    assert (await limited.graphql("demo-market", ME)).status_code == 200


async def test_the_refusal_is_in_the_access_log_as_denied(limited: HubHarness) -> None:
    for _ in range(4):
        await limited.graphql("demo-education", ME)

    log = await limited.graphql(
        "demo-auditor",
        "{ auditEvents(first: 10) { edges { node { clientId outcome } } } }",
    )

    events = [edge["node"] for edge in log.json()["data"]["auditEvents"]["edges"]]
    mine = [event["outcome"] for event in events if event["clientId"] == "demo-education"]
    assert sorted(mine) == ["DENIED", "OK", "OK", "OK"]


async def test_requests_without_a_token_share_their_address_budget(limited: HubHarness) -> None:
    answers = [await limited.http.post("/graphql", json={"query": ME}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]


async def test_in_memory_each_worker_has_a_budget_of_its_own(open_hub: Opener) -> None:
    async with (
        open_hub(XIETONG_RATE_LIMIT="3/minute") as first,
        open_hub(XIETONG_RATE_LIMIT="3/minute") as second,
    ):
        answers = [
            await hub.graphql("demo-education", ME) for _ in range(3) for hub in (first, second)
        ]

    assert [answer.status_code for answer in answers] == [200] * 6


async def test_with_redis_the_workers_share_one_budget(open_hub: Opener) -> None:
    redis_or_skip()
    shared = {
        "XIETONG_RATE_LIMIT": "5/minute",
        "XIETONG_REDIS_URL": REDIS_URL,
        "XIETONG_RATE_LIMIT_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    async with open_hub(**shared) as first, open_hub(**shared) as second:
        answers = [
            await hub.graphql("demo-education", ME) for _ in range(4) for hub in (first, second)
        ]
        other_client = await second.graphql("demo-market", ME)

    assert [answer.status_code for answer in answers] == [200] * 5 + [429] * 3
    assert other_client.status_code == 200


async def test_when_redis_is_down_each_worker_counts_its_own_and_the_log_says_so(
    open_hub: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 9 (discard).
    async with open_hub(
        XIETONG_REDIS_URL="redis://127.0.0.1:9/0", XIETONG_RATE_LIMIT="2/minute"
    ) as harness:
        with caplog.at_level(logging.ERROR, logger="xietong.rate_limit"):
            answers = [await harness.graphql("demo-education", ME) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    failures = [r for r in caplog.records if "rate-limit store failed" in r.getMessage()]
    assert len(failures) == 1, "said once, when the store stopped answering"
    assert "counts its own limits" in failures[0].getMessage()


async def test_an_unreachable_redis_is_a_start_up_error() -> None:
    limiter = RateLimiter.from_settings(
        Settings.from_env({"XIETONG_REDIS_URL": "redis://127.0.0.1:9/0"})
    )
    try:
        with pytest.raises(ConfigError, match="XIETONG_REDIS_URL"):
            await limiter.check()
    finally:
        await limiter.close()


@pytest.mark.parametrize("rate", ["lots", "5 per fortnight"])
def test_a_bad_rate_stops_start_up_naming_it(rate: str) -> None:
    with pytest.raises(ConfigError, match="XIETONG_RATE_LIMIT"):
        Settings.from_env({"XIETONG_RATE_LIMIT": rate})


async def test_token_requests_from_one_address_have_a_budget_of_their_own(
    open_hub: Opener,
) -> None:
    """Guessing a client's secret costs the hub a slow check per try: it is cut short."""
    async with open_hub(XIETONG_TOKEN_RATE_LIMIT="2/minute") as harness:
        tries = [
            await harness.http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=("demo-education", "not-the-secret"),
            )
            for _ in range(3)
        ]
        graphql = await harness.graphql("demo-education", ME)

    assert [answer.status_code for answer in tries] == [401, 401, 429]
    refused = tries[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # A token client reads OAuth's error shape (RFC 6749 §5.2).
    assert refused.json()["error"] == "slow_down"
    assert "error_description" in refused.json()
    assert graphql.status_code == 200


@pytest.mark.parametrize("rate", ["lots", "5 per fortnight"])
def test_a_bad_token_rate_stops_start_up_naming_it(rate: str) -> None:
    with pytest.raises(ConfigError, match="XIETONG_TOKEN_RATE_LIMIT"):
        Settings.from_env({"XIETONG_TOKEN_RATE_LIMIT": rate})


async def test_in_memory_counting_starts_no_thread_and_drops_what_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The library's memory storage started a timer thread after each quiet 10 ms: a
    thread a request at a hundred requests a second. Its entries are now dropped by
    the requests themselves, and the budget holds as before."""
    limiter = RateLimiter({Budget.REQUESTS: parse_many("3/second")})
    started: list[float] = []

    def no_thread(interval: float, *_: object, **__: object) -> None:
        started.append(interval)
        raise AssertionError("a rate limit started a thread")

    monkeypatch.setattr(threading, "Timer", no_thread)
    admitted = []
    for _ in range(4):
        admitted.append(await limiter.admit("demo-education"))
        await asyncio.sleep(0.015)  # the library's timer has ended by each next request
    assert admitted[:3] == [None, None, None]
    assert admitted[3] is not None
    assert admitted[3] >= 1
    assert started == []
    await asyncio.sleep(1.05)  # the window has passed, and the time to drop what expired
    assert await limiter.admit("demo-education") is None
    assert started == []
