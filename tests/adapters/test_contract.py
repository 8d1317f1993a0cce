"""The contract every department adapter keeps, over every kind of source: batches
of keys in, canonical records out, one source call per batch, a short cache, and
one error type naming the department and the source."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.adapters.cases import CASES, Adapter, AdapterCase
from tests.adapters.support import FakeClock, assert_canonical, open_source, refused_port
from xietong.adapters.config import SourceConfig
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.registry import Source

CACHE_TTL = 5.0


@dataclass(frozen=True, slots=True)
class Opened:
    case: AdapterCase
    adapter: Adapter
    source: Source
    clock: FakeClock


@pytest.fixture(params=CASES, ids=[case.id for case in CASES])
def case(request: pytest.FixtureRequest) -> AdapterCase:
    chosen: AdapterCase = request.param
    return chosen


@pytest.fixture
def config(
    case: AdapterCase, sandbox_sources: dict[str, SourceConfig], request: pytest.FixtureRequest
) -> SourceConfig:
    config = replace(sandbox_sources[case.source_format], cache_ttl=CACHE_TTL)
    if case.backend == "postgresql":
        config = replace(config, url=request.getfixturevalue("postgres_departments"))
    return config


@pytest.fixture
async def opened(case: AdapterCase, config: SourceConfig) -> AsyncIterator[Opened]:
    source, clock = open_source(config), FakeClock()
    try:
        yield Opened(case, case.make(source, clock), source, clock)
    finally:
        await source.close()


@pytest.fixture
async def dead(case: AdapterCase, config: SourceConfig, tmp_path: Path) -> AsyncIterator[Opened]:
    """The adapter over a source that is not there: no file, no database, no service."""
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'gone.db'}",
        "postgresql": f"postgresql://postgres@127.0.0.1:{refused_port()}/gone",
        "http": f"http://127.0.0.1:{refused_port()}",
    }[case.backend]
    source, clock = open_source(replace(config, url=url, timeout=1.0)), FakeClock()
    try:
        yield Opened(case, case.make(source, clock), source, clock)
    finally:
        await source.close()


def page_keys(opened: Opened, native: sqlite3.Connection) -> list[str]:
    """The 100 keys of a page (distinct, sorted): not every department holds them all."""
    keys = [key for (key,) in native.execute(opened.case.batch_keys)]
    assert len(keys) == 100
    return keys


def known_keys(opened: Opened, native: sqlite3.Connection) -> list[str]:
    """The keys of a page that the source holds: a few dozen at least."""
    held = {key for (key,) in native.execute(opened.case.held_keys)}
    keys = [key for key in page_keys(opened, native) if key in held]
    assert len(keys) >= 40
    return keys


async def test_known_keys_load_as_canonical_records(
    opened: Opened, native: sqlite3.Connection
) -> None:
    keys = known_keys(opened, native)[:20]
    found = await opened.adapter.load(keys)
    assert sorted(found) == sorted(keys)
    for key, record in found.items():
        assert isinstance(record, opened.case.record_type)
        assert opened.case.key_of(record) == key
        assert_canonical(record)


async def test_unknown_and_malformed_keys_are_absent(
    opened: Opened, native: sqlite3.Connection
) -> None:
    keys = known_keys(opened, native)[:3]
    found = await opened.adapter.load([*keys, opened.case.unknown_key, "not-a-key", ""])
    assert sorted(found) == sorted(keys)


async def test_duplicates_and_an_empty_batch_are_fine(
    opened: Opened, native: sqlite3.Connection
) -> None:
    first, second = known_keys(opened, native)[:2]
    assert await opened.adapter.load([]) == {}
    assert opened.source.calls == 0, "an empty batch does not bother the source"
    found = await opened.adapter.load([first, second, first, first])
    assert sorted(found) == sorted([first, second])
    assert opened.source.calls == 1


async def test_a_batch_of_100_keys_costs_one_source_call(
    opened: Opened, native: sqlite3.Connection
) -> None:
    keys = page_keys(opened, native)
    found = await opened.adapter.load(keys)
    assert sorted(found) == known_keys(opened, native)
    assert opened.source.calls == 1


async def test_records_are_served_from_the_cache_within_its_ttl_and_no_longer(
    opened: Opened, native: sqlite3.Connection
) -> None:
    keys = [*known_keys(opened, native)[:10], opened.case.unknown_key]
    first = await opened.adapter.load(keys)
    opened.clock.advance(CACHE_TTL - 0.1)
    assert await opened.adapter.load(keys) == first
    assert opened.source.calls == 1, "known and unknown keys alike come from the cache"
    more = await opened.adapter.load([*keys, *known_keys(opened, native)[10:15]])
    assert len(more) == 15
    assert opened.source.calls == 2, "only the misses are fetched"
    opened.clock.advance(0.2)
    assert await opened.adapter.load(keys) == first
    assert opened.source.calls == 3, "past the TTL the source is asked again"


async def test_health_pings_the_source(opened: Opened) -> None:
    (probe,) = await opened.adapter.health()
    assert (probe.source, probe.department, probe.ok) == (
        opened.source.config.name,
        opened.case.department,
        True,
    )


async def test_a_dead_source_raises_source_unavailable_naming_department_and_source(
    dead: Opened,
) -> None:
    with pytest.raises(SourceUnavailableError) as raised:
        await dead.adapter.load([dead.case.unknown_key])
    assert raised.value.department is dead.case.department
    assert raised.value.source == dead.source.config.name
    assert raised.value.extensions == {
        "code": "SOURCE_UNAVAILABLE",
        "department": dead.case.department.value,
        "source": dead.source.config.name,
    }
    (probe,) = await dead.adapter.health()
    assert not probe.ok
    assert probe.error
