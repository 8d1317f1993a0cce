"""The record cache: brief, per key, never older than its TTL, and misses in one batch."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.adapters.support import FakeClock
from xietong.adapters.cache import RecordCache


class Source:
    """Knows keys ``a``..``e``; remembers every batch it was asked for."""

    def __init__(self, clock: FakeClock, latency: float = 0.0) -> None:
        self.clock = clock
        self.latency = latency
        self.batches: list[list[str]] = []
        self.version = 1

    async def fetch(self, keys: list[str]) -> Mapping[str, str]:
        self.batches.append(keys)
        self.clock.advance(self.latency)
        return {key: f"{key}{self.version}" for key in keys if key in "abcde"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_within_the_ttl_records_and_absences_come_from_the_cache(clock: FakeClock) -> None:
    source, cache = Source(clock), RecordCache[str](5.0, clock=clock)
    assert await cache.load(["a", "b", "z"], source.fetch) == {"a": "a1", "b": "b1"}
    source.version = 2
    clock.advance(4.9)
    assert await cache.load(["b", "a", "z"], source.fetch) == {"a": "a1", "b": "b1"}
    assert source.batches == [["a", "b", "z"]]
    clock.advance(0.1)
    assert await cache.load(["a", "z"], source.fetch) == {"a": "a2"}
    assert source.batches[-1] == ["a", "z"]


async def test_only_the_misses_are_fetched_in_one_batch_without_duplicates(
    clock: FakeClock,
) -> None:
    source, cache = Source(clock), RecordCache[str](5.0, clock=clock)
    await cache.load(["a"], source.fetch)
    found = await cache.load(["c", "a", "b", "c", "b"], source.fetch)
    assert found == {"a": "a1", "b": "b1", "c": "c1"}
    assert source.batches == [["a"], ["c", "b"]]
    assert await cache.load([], source.fetch) == {}
    assert len(source.batches) == 2


async def test_age_counts_from_when_the_source_was_asked(clock: FakeClock) -> None:
    source, cache = Source(clock, latency=2.0), RecordCache[str](5.0, clock=clock)
    await cache.load(["a"], source.fetch)  # asked at 0, answered at 2
    clock.advance(2.9)
    await cache.load(["a"], source.fetch)
    assert len(source.batches) == 1
    clock.advance(0.1)  # 5 s since the question: the answer may be 5 s old
    await cache.load(["a"], source.fetch)
    assert len(source.batches) == 2


async def test_a_ttl_of_zero_turns_caching_off(clock: FakeClock) -> None:
    source, cache = Source(clock), RecordCache[str](0, clock=clock)
    assert await cache.load(["a", "a", "z"], source.fetch) == {"a": "a1"}
    await cache.load(["a"], source.fetch)
    cache.put({"b": "b0"})
    assert source.batches == [["a", "z"], ["a"]]
    assert len(cache) == 0


async def test_a_failed_fetch_caches_nothing(clock: FakeClock) -> None:
    cache = RecordCache[str](5.0, clock=clock)

    async def failing(keys: list[str]) -> Mapping[str, str]:
        raise RuntimeError("source down")

    with pytest.raises(RuntimeError):
        await cache.load(["a"], failing)
    assert len(cache) == 0


async def test_records_put_from_a_page_are_served(clock: FakeClock) -> None:
    source, cache = Source(clock), RecordCache[str](5.0, clock=clock)
    cache.put({"a": "from a page"})
    assert await cache.load(["a"], source.fetch) == {"a": "from a page"}
    assert source.batches == []


async def test_the_cache_stays_within_its_bound(clock: FakeClock) -> None:
    source, cache = Source(clock), RecordCache[str](5.0, clock=clock, max_entries=10)
    for key in "abcdefghijklmnopqrstuvwxyz":
        await cache.load([key], source.fetch)
    assert len(cache) <= 10
    assert await cache.load(["e"], source.fetch) == {"e": "e1"}, "evicted: fetched again"
