"""Retries: reads that failed for a passing reason are tried again, a few times, with
jitter, inside the source's one timeout; anything else fails at once."""

from __future__ import annotations

import time

import pytest

from tests.adapters.sources.scripted import Script, scripted_source
from tests.adapters.support import opened_http
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.retry import RetryPolicy

QUICK = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


async def test_an_idempotent_post_is_retried_until_the_service_recovers(
    script: Script, scripted_url: str
) -> None:
    script.failures = 2
    async with opened_http(scripted_source(scripted_url), retry=QUICK) as source:
        answer = await source.request_json("POST", "/answer", json={}, idempotent=True)
    assert answer == {"ok": True, "method": "POST"}
    assert (script.hits, source.calls) == (3, 1)
    assert source.health.healthy is True


async def test_a_get_is_retried_without_being_told(script: Script, scripted_url: str) -> None:
    script.failures, script.status = 1, 502
    async with opened_http(scripted_source(scripted_url), retry=QUICK) as source:
        await source.request_json("GET", "/answer")
    assert script.hits == 2


async def test_a_post_not_declared_idempotent_is_not_repeated(
    script: Script, scripted_url: str
) -> None:
    script.failures = 1
    async with opened_http(scripted_source(scripted_url), retry=QUICK) as source:
        with pytest.raises(SourceUnavailableError, match="HTTP 503 from /answer"):
            await source.request_json("POST", "/answer", json={})
    assert script.hits == 1


async def test_retries_are_bounded(script: Script, scripted_url: str) -> None:
    script.failures = 10
    async with opened_http(scripted_source(scripted_url), retry=QUICK) as source:
        with pytest.raises(SourceUnavailableError, match="HTTP 503"):
            await source.request_json("GET", "/answer")
    assert script.hits == QUICK.attempts


@pytest.mark.parametrize("status", [400, 404, 500])
async def test_a_refusal_or_a_bug_is_not_retried(
    script: Script, scripted_url: str, status: int
) -> None:
    script.failures, script.status = 1, status
    async with opened_http(scripted_source(scripted_url), retry=QUICK) as source:
        with pytest.raises(SourceUnavailableError, match=f"HTTP {status}"):
            await source.request_json("GET", "/answer")
    assert script.hits == 1


async def test_the_timeout_bounds_the_call_retries_included(
    script: Script, scripted_url: str
) -> None:
    script.delay, script.failures = 0.2, 10
    patient = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.01)
    config = scripted_source(scripted_url, timeout=0.3)
    async with opened_http(config, retry=patient) as source:
        started = time.perf_counter()
        with pytest.raises(SourceUnavailableError, match="timed out"):
            await source.request_json("GET", "/answer")
        elapsed = time.perf_counter() - started
    assert 0.3 <= elapsed < 0.6
    assert script.hits == 2, "a second try started, and was cut off by the timeout"


def test_the_delay_grows_exponentially_with_full_jitter() -> None:
    assert [RetryPolicy(jitter=lambda: 1.0).delay(n) for n in (1, 2, 3, 4, 5)] == [
        0.05, 0.1, 0.2, 0.4, 0.5,
    ]  # fmt: skip
    assert RetryPolicy(jitter=lambda: 0.0).delay(3) == 0
