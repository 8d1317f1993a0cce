"""Sources that fail while the hub is running: every failure is one
SourceUnavailableError naming the department and the source, never a crash."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from tests.adapters.support import opened_http, opened_sql
from tests.support.harness import SandboxWorld
from xietong.adapters.config import SourceConfig
from xietong.adapters.fire_safety import SqlFireSafetyAdapter
from xietong.adapters.market import HttpMarketAdapter
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.departments import Department
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.serve import serve_in_thread
from xietong.sandbox.services import market_app


async def test_a_service_stopped_mid_run(
    world: SandboxWorld, sandbox_sources: dict[str, SourceConfig], native: sqlite3.Connection
) -> None:
    codes = [code for (code,) in native.execute("SELECT tyshxydm FROM mkt.qydj LIMIT 5")]
    with ExitStack() as service:
        url = service.enter_context(
            serve_in_thread(market_app(sandbox_files(world.data_dir).market))
        )
        config = replace(sandbox_sources["market"], url=url, cache_ttl=0)
        async with opened_http(config) as source:
            market = HttpMarketAdapter(source)
            assert len(await market.load(codes)) == 5
            service.close()  # the service stops; the pooled keep-alive connection leads nowhere
            with pytest.raises(SourceUnavailableError, match="cannot connect") as raised:
                await market.load(codes)
    assert (raised.value.department, raised.value.source) == (
        Department.MARKET_SUPERVISION,
        "market-registry",
    )
    assert source.health.healthy is False
    assert source.health.last_error == raised.value.reason


async def test_a_table_dropped_under_a_running_adapter(
    world: SandboxWorld, sandbox_sources: dict[str, SourceConfig], tmp_path: Path
) -> None:
    copy = tmp_path / "fire.db"
    shutil.copyfile(sandbox_files(world.data_dir).fire, copy)
    with sqlite3.connect(copy) as native:
        codes = [code for (code,) in native.execute("SELECT DISTINCT tyshxydm FROM xf_cs LIMIT 5")]
    native.close()
    config = replace(sandbox_sources["fire"], url=f"sqlite:///{copy}", cache_ttl=0)
    async with opened_sql(config) as source:
        fire = SqlFireSafetyAdapter(source)
        assert len(await fire.load(codes)) == 5
        with sqlite3.connect(copy) as native:
            native.execute("DROP TABLE xf_yh")
        native.close()
        with pytest.raises(SourceUnavailableError, match="no such table: xf_yh") as raised:
            await fire.load(codes)
    assert (raised.value.department, raised.value.source) == (
        Department.FIRE_SAFETY,
        "fire-records",
    )


async def test_a_database_file_removed_before_the_first_call(
    world: SandboxWorld, sandbox_sources: dict[str, SourceConfig], tmp_path: Path
) -> None:
    copy = tmp_path / "education.db"
    shutil.copyfile(sandbox_files(world.data_dir).education, copy)
    config = replace(sandbox_sources["education"], url=f"sqlite:///{copy}", cache_ttl=0)
    async with opened_sql(config) as source:
        copy.rename(tmp_path / "moved.db")
        with pytest.raises(SourceUnavailableError, match="does not exist"):
            await source.ping()
