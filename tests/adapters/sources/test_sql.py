"""The SQL source: several statements in one round, and read-only on both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.adapters.support import opened_sql
from xietong.adapters.config import SourceConfig
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.sql import query


@pytest.fixture(params=["sqlite", "postgresql"])
def education(
    request: pytest.FixtureRequest, sandbox_sources: dict[str, SourceConfig]
) -> SourceConfig:
    config = sandbox_sources["education"]
    if request.param == "postgresql":
        config = replace(config, url=request.getfixturevalue("postgres_departments"))
    return config


async def test_fetch_many_runs_every_statement_in_order_as_one_call(
    education: SourceConfig,
) -> None:
    async with opened_sql(education) as source:
        codes = [row["tyshxydm"] for row in await source.fetch(
            "SELECT tyshxydm FROM jg_jbxx ORDER BY tyshxydm LIMIT 3"
        )]  # fmt: skip
        names, count, nothing = await source.fetch_many([
            query("SELECT tyshxydm FROM jg_jbxx WHERE tyshxydm IN :codes ORDER BY 1", codes=codes),
            query("SELECT COUNT(*) AS n FROM jg_jbxx WHERE xzqh >= :low", low="4102"),
            query("SELECT tyshxydm FROM jg_jbxx WHERE tyshxydm IN :codes", codes=["none"]),
        ])  # fmt: skip
        assert [row["tyshxydm"] for row in names] == codes
        assert count[0]["n"] > 0
        assert nothing == []
        assert source.calls == 2


async def test_the_source_never_writes(education: SourceConfig) -> None:
    async with opened_sql(education) as source:
        with pytest.raises(SourceUnavailableError, match=r"read-only|readonly"):
            await source.fetch("DELETE FROM hmd")
        # The PostgreSQL URL's own options (its search_path) survive the read-only one.
        assert await source.fetch("SELECT COUNT(*) AS n FROM jg_jbxx")
