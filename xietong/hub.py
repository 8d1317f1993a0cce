"""The hub's long-lived services, opened once per process and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.catalog import AdapterCatalog
from adapters.config import load_sources
from adapters.departments import build_adapters
from adapters.sources.registry import SourceRegistry
from auth.audit.log import AuditLog
from xietong.db import check_reachable, create_hub_engine
from xietong.settings import Settings

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(slots=True)
class Hub:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    sources: SourceRegistry
    adapters: AdapterCatalog
    audit_log: AuditLog
    reference_date: date | None = None

    def today(self) -> date:
        """The date rules such as "overdue" and "expired" are judged on.

        The demo pins it to the sandbox's reference date so its anomalies stay put.
        """
        return self.reference_date or datetime.now(UTC).astimezone(CHINA).date()

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
        sources = SourceRegistry.open(configs)
        return cls(
            settings=settings,
            engine=engine,
            sessions=async_sessionmaker(engine, expire_on_commit=False),
            sources=sources,
            adapters=build_adapters(sources),
            audit_log=AuditLog(engine),
            reference_date=settings.reference_date,
        )

    async def close(self) -> None:
        await self.sources.close()
        await self.engine.dispose()
