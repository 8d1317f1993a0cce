"""The hub's long-lived services, opened once per process and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.config import load_sources
from adapters.sources.registry import SourceRegistry
from xietong.db import check_reachable, create_hub_engine
from xietong.settings import Settings


@dataclass(slots=True)
class Hub:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sources: SourceRegistry

    @classmethod
    async def open(cls, settings: Settings) -> Hub:
        """Open the database and the sources; a ConfigError says what is wrong."""
        configs = load_sources(settings.sources_file)
        engine = create_hub_engine(settings.database_url)
        try:
            await check_reachable(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(
            settings=settings,
            engine=engine,
            sessions=async_sessionmaker(engine, expire_on_commit=False),
            sources=SourceRegistry.open(configs),
        )

    async def close(self) -> None:
        await self.sources.close()
        await self.engine.dispose()
