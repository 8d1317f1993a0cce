"""Every configured source, opened once per hub process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xietong.adapters.config import SourceConfig, SourceKind
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.sql import SqlSource
from xietong.domain.departments import Department

Source = SqlSource | HttpSource


@dataclass(frozen=True, slots=True)
class ProbeResult:
    source: str
    department: Department
    ok: bool
    error: str | None


class SourceRegistry:
    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources = {source.config.name: source for source in sources}

    @classmethod
    def open(cls, configs: Sequence[SourceConfig]) -> SourceRegistry:
        return cls([_open(config) for config in configs])

    def __iter__(self) -> Iterator[Source]:
        return iter(self._sources.values())

    def __len__(self) -> int:
        return len(self._sources)

    def for_department(self, department: Department) -> list[Source]:
        return [source for source in self if source.config.department == department]

    async def probe(self) -> list[ProbeResult]:
        """Ping every source at once; each answer or failure updates its health."""
        return list(await asyncio.gather(*(probe_source(source) for source in self)))

    async def close(self) -> None:
        await asyncio.gather(*(source.close() for source in self))


def _open(config: SourceConfig) -> Source:
    if config.kind is SourceKind.SQL:
        return SqlSource(config)
    return HttpSource(config)


async def probe_source(source: Source) -> ProbeResult:
    """Ping ``source``; its answer or failure also updates its health."""
    try:
        await source.ping()
    except SourceUnavailableError as error:
        return ProbeResult(source.config.name, source.config.department, False, error.reason)
    return ProbeResult(source.config.name, source.config.department, True, None)
