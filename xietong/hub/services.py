"""The hub's long-lived services, opened once per process and shared by requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.config import SourceConfig, load_sources
from xietong.adapters.departments import build_adapters
from xietong.adapters.sources.registry import SourceRegistry
from xietong.audit.log import AuditLog
from xietong.audit.pseudonyms import Pseudonyms
from xietong.auth.token_service import TokenService
from xietong.hub.rate_limits import RateLimiter
from xietong.kernel.db import (
    check_reachable,
    create_hub_engine,
    create_lookup_engine,
    create_sync_engine,
)
from xietong.kernel.errors import ConfigError
from xietong.kernel.live_bus import LiveBus
from xietong.kernel.settings import Settings
from xietong.planner.cache import PlanCache


def _check_required(settings: Settings, configs: Sequence[SourceConfig]) -> None:
    unknown = sorted(set(settings.required_sources) - {config.name for config in configs})
    if unknown:
        raise ConfigError(
            f"XIETONG_REQUIRED_SOURCES names {', '.join(unknown)}, not in {settings.sources_file}"
        )


CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(slots=True)
class Hub:
    settings: Settings
    engine: AsyncEngine
    sync_engine: Engine
    """The same database for work done in a worker thread (the access log)."""
    lookup_engine: Engine
    """The same database for reads of one statement in a worker thread, without a
    transaction (clients, officers, trusted documents, what cases add to a record)."""
    sessions: async_sessionmaker[AsyncSession]
    sources: SourceRegistry
    adapters: AdapterCatalog
    audit_log: AuditLog
    pseudonyms: Pseudonyms
    """How ID numbers appear in the access log (keyed HMAC); its keys are read on
    first use, once the store is known to be migrated."""
    tokens: TokenService
    rate_limiter: RateLimiter
    plans: PlanCache
    live: LiveBus
    """Where cases assigned and risks raised are announced to every worker."""
    reference_date: date | None = None

    def today(self) -> date:
        """The date rules such as "overdue" and "expired" are judged on.

        The demo pins it to the sandbox's reference date so its anomalies stay put.
        """
        return self.reference_date or datetime.now(UTC).astimezone(CHINA).date()

    @classmethod
    def build(cls, settings: Settings) -> Hub:
        """Read the configuration and make the engines and clients, without I/O yet.

        A ConfigError says what is wrong with the sources file or database URL.
        """
        configs = load_sources(settings.sources_file)
        _check_required(settings, configs)
        engine = create_hub_engine(settings.database_url)
        sync_engine = create_sync_engine(settings.database_url)
        lookup_engine = create_lookup_engine(settings.database_url)
        sources = SourceRegistry.open(configs)
        return cls(
            settings=settings,
            engine=engine,
            sync_engine=sync_engine,
            lookup_engine=lookup_engine,
            sessions=async_sessionmaker(engine, expire_on_commit=False),
            sources=sources,
            adapters=build_adapters(sources),
            audit_log=AuditLog(sync_engine),
            pseudonyms=Pseudonyms(sync_engine),
            tokens=TokenService(engine, settings, lookup_engine=lookup_engine),
            rate_limiter=RateLimiter.from_settings(settings),
            plans=PlanCache(settings.plan_ttl),
            live=LiveBus.for_store(
                settings.database_url, settings.redis_url, settings.cases.live_bus
            ),
            reference_date=settings.reference_date,
        )

    @classmethod
    async def open(cls, settings: Settings) -> Hub:
        """Build the hub and check that its database answers."""
        hub = cls.build(settings)
        try:
            await hub.check()
        except BaseException:
            await hub.close()
            raise
        return hub

    async def replace_sources(self, configs: Sequence[SourceConfig]) -> SourceRegistry:
        """Serve from ``configs`` from now on (a reloaded sources file); returns the
        sources replaced, for the caller to close once requests under way are done
        with them. A ConfigError leaves the hub as it was."""
        _check_required(self.settings, configs)
        sources = SourceRegistry.open(configs)
        try:
            adapters = build_adapters(sources)
        except ConfigError:
            await sources.close()
            raise
        replaced = self.sources
        self.sources, self.adapters = sources, adapters
        # Plans are the old sources' answers: the next page plans again.
        self.plans = PlanCache(self.settings.plan_ttl)
        return replaced

    async def check(self) -> None:
        await check_reachable(self.engine)

    async def close(self) -> None:
        await self.sources.close()
        await self.live.close()
        await self.rate_limiter.close()
        self.audit_log.close()
        self.sync_engine.dispose()
        self.lookup_engine.dispose()
        await self.engine.dispose()
