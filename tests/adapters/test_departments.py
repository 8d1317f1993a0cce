"""build_adapters: each source's format picks its adapter; a sources file that cannot
work is a ConfigError at start-up, not a surprise at the first request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from tests.support.harness import SandboxWorld
from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.config import SourceConfig, SourceKind, load_sources
from xietong.adapters.departments import build_adapters
from xietong.adapters.education.adapter import SqlEducationAdapter
from xietong.adapters.finance.adapter import BankFinanceAdapter
from xietong.adapters.finance.jinming import JinmingBank
from xietong.adapters.finance.songdu import SongduBank
from xietong.adapters.fire_safety import SqlFireSafetyAdapter
from xietong.adapters.market import HttpMarketAdapter
from xietong.adapters.public_security import HttpPublicSecurityAdapter
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.registry import SourceRegistry
from xietong.domain.departments import Department
from xietong.kernel.errors import ConfigError


@pytest.fixture
async def registry(world: SandboxWorld) -> AsyncIterator[SourceRegistry]:
    opened = SourceRegistry.open(load_sources(world.sources_file))
    try:
        yield opened
    finally:
        await opened.close()


async def test_the_demo_sources_get_every_department_adapter(registry: SourceRegistry) -> None:
    catalog = build_adapters(registry)
    assert isinstance(catalog.education, SqlEducationAdapter)
    assert isinstance(catalog.market, HttpMarketAdapter)
    assert isinstance(catalog.fire_safety, SqlFireSafetyAdapter)
    assert isinstance(catalog.public_security, HttpPublicSecurityAdapter)
    assert isinstance(catalog.finance, BankFinanceAdapter)
    assert [type(bank) for bank in catalog.finance.banks] == [JinmingBank, SongduBank]
    adapters = (catalog.education, catalog.market, catalog.fire_safety,
                catalog.public_security, catalog.finance)  # fmt: skip
    probes = [probe for adapter in adapters for probe in await adapter.health()]
    assert sorted(probe.source for probe in probes) == sorted(s.config.name for s in registry)
    assert all(probe.ok for probe in probes)


async def test_a_department_without_a_source_answers_unavailable(world: SandboxWorld) -> None:
    configs = [c for c in load_sources(world.sources_file) if c.department is Department.EDUCATION]
    registry = SourceRegistry.open(configs)
    try:
        catalog = build_adapters(registry)
    finally:
        await registry.close()
    assert catalog.education_adapter is not None
    with pytest.raises(SourceUnavailableError) as raised:
        _ = catalog.market
    assert raised.value.department is Department.MARKET_SUPERVISION


def broken(configs: list[SourceConfig], fmt: str, **change: object) -> list[SourceConfig]:
    return [replace(c, **change) if c.format == fmt else c for c in configs]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "education-v2"}, "unknown format 'education-v2'"),
        ({"department": Department.FIRE_SAFETY}, "belongs to EDUCATION, not FIRE_SAFETY"),
        ({"kind": SourceKind.HTTP, "url": "http://127.0.0.1:1"}, "is read over sql"),
    ],
)
async def test_a_source_its_format_cannot_read_is_a_config_error(
    world: SandboxWorld, change: dict[str, object], message: str
) -> None:
    configs = broken(load_sources(world.sources_file), "education", **change)
    registry = SourceRegistry.open(configs)
    try:
        with pytest.raises(ConfigError, match=message):
            build_adapters(registry)
    finally:
        await registry.close()


async def test_two_sources_for_a_one_source_department_is_a_config_error(
    world: SandboxWorld,
) -> None:
    configs = load_sources(world.sources_file)
    education = next(c for c in configs if c.format == "education")
    registry = SourceRegistry.open([*configs, replace(education, name="education-copy")])
    try:
        with pytest.raises(ConfigError, match="EDUCATION has 2 sources"):
            build_adapters(registry)
    finally:
        await registry.close()


def test_an_empty_sources_file_builds_an_empty_catalog() -> None:
    assert build_adapters(SourceRegistry([])) == AdapterCatalog()
