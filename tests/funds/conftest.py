"""Each release test gets a sandbox of its own: releases change what the banks hold."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.funds.support import Native, native
from tests.support.harness import HubHarness, SandboxWorld, hub_harness, sandbox_world

INSTITUTIONS = 40


@pytest.fixture
def ledger_world(tmp_path: Path) -> Iterator[SandboxWorld]:
    """Banks read afresh every time (no cache): tests change them underneath the hub."""
    with sandbox_world(tmp_path / "world", INSTITUTIONS, cache_ttl=0) as seeded:
        yield seeded


@pytest.fixture
def banks(ledger_world: SandboxWorld) -> Iterator[Native]:
    with native(ledger_world.data_dir) as opened:
        yield opened


@pytest.fixture
async def hub(hub_database_url: str, ledger_world: SandboxWorld) -> AsyncIterator[HubHarness]:
    """The hub over its own sandbox, on SQLite and on PostgreSQL."""
    async with hub_harness(hub_database_url, ledger_world) as opened:
        yield opened
