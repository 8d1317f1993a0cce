"""The circuit breaker: a source that keeps failing is left alone for a while, then
tried once, and used again as soon as it answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.sources.scripted import Script, scripted_source
from tests.adapters.support import FakeClock, opened_http, opened_sql
from xietong.adapters.config import SourceConfig, SourceKind
from xietong.adapters.sources.breaker import CircuitBreaker
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.retry import NO_RETRY
from xietong.domain.departments import Department


def test_it_opens_after_the_threshold_and_half_opens_after_the_cool_down() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cool_down=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.allow(), "two failures in a row are not yet three"
    breaker.record_failure()
    assert not breaker.allow()
    assert breaker.is_open
    assert "after 3 failed calls in a row; next try in 10.0 s" in breaker.refusal()
    clock.advance(9.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow(), "the trial"
    assert not breaker.allow(), "one trial at a time"
    breaker.record_failure()
    assert not breaker.allow(), "a failed trial opens it again at once"
    clock.advance(10)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.allow()
    assert breaker.allow()
    assert not breaker.is_open


def test_a_success_resets_the_count_and_a_cancelled_trial_frees_the_next() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cool_down=1, clock=clock)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.allow(), "failures must be consecutive"
    breaker.record_failure()
    clock.advance(1)
    assert breaker.allow()
    assert breaker.half_open
    breaker.release()
    assert breaker.allow(), "the cancelled trial did not keep the circuit shut"


async def test_a_failing_service_is_not_called_while_open_and_used_again_after(
    script: Script, scripted_url: str
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cool_down=30, clock=clock)
    script.failures = 100
    async with opened_http(scripted_source(scripted_url), retry=NO_RETRY, breaker=breaker) as src:
        for _ in range(2):
            with pytest.raises(SourceUnavailableError, match="HTTP 503"):
                await src.request_json("GET", "/answer")
        with pytest.raises(SourceUnavailableError, match="circuit open") as refused:
            await src.request_json("GET", "/answer")
        assert (script.hits, src.calls) == (2, 2), "refused without a request"
        assert src.health.last_error == refused.value.reason
        assert refused.value.extensions["source"] == "scripted"
        script.failures = 0  # the service is back
        clock.advance(30)
        assert await src.request_json("GET", "/answer") == {"ok": True, "method": "GET"}
        await src.request_json("GET", "/answer")
    assert script.hits == 4
    assert not breaker.is_open
    assert src.health.healthy


async def test_refusals_of_single_requests_do_not_open_it(
    script: Script, scripted_url: str
) -> None:
    breaker = CircuitBreaker(failure_threshold=2, cool_down=30, clock=FakeClock())
    script.failures, script.status = 3, 400
    async with opened_http(scripted_source(scripted_url), retry=NO_RETRY, breaker=breaker) as src:
        for _ in range(3):
            with pytest.raises(SourceUnavailableError, match="HTTP 400"):
                await src.request_json("GET", "/answer")
        await src.request_json("GET", "/answer")
    assert script.hits == 4


async def test_a_missing_database_trips_it_too(tmp_path: Path) -> None:
    config = SourceConfig(
        "gone", Department.FIRE_SAFETY, SourceKind.SQL, f"sqlite:///{tmp_path / 'gone.db'}", "fire"
    )
    async with opened_sql(config) as source:
        source.breaker = CircuitBreaker(failure_threshold=2, cool_down=30, clock=FakeClock())
        for _ in range(2):
            with pytest.raises(SourceUnavailableError, match="does not exist"):
                await source.ping()
        with pytest.raises(SourceUnavailableError, match="circuit open"):
            await source.ping()
        assert source.calls == 2
