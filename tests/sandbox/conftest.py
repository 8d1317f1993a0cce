"""Fixtures of the sandbox tests: one seeded data directory per session, its HTTP
services running on free local ports, and a connection that sees every native
database at once (``tests.sandbox.native.open_native``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sandbox.native import open_native
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.seed import seed_sandbox
from xietong.sandbox.serve import serve_in_thread
from xietong.sandbox.services import bank_app, market_app, police_app

SEEDED_INSTITUTIONS = 300


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory seeded with the demo's default seed and 300 institutions."""
    data_dir = tmp_path_factory.mktemp("seeded")
    seed_sandbox(data_dir, SEEDED_INSTITUTIONS)
    return data_dir


@pytest.fixture
def native(seeded: Path) -> Iterator[sqlite3.Connection]:
    connection = open_native(seeded)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def market(seeded: Path) -> Iterator[httpx.Client]:
    with (
        serve_in_thread(market_app(sandbox_files(seeded).market)) as url,
        httpx.Client(base_url=url) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def police(seeded: Path) -> Iterator[httpx.Client]:
    with (
        serve_in_thread(
            police_app(sandbox_files(seeded).police, max_batch=20, max_exceptions_batch=30)
        ) as url,
        httpx.Client(base_url=url) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def bank(seeded: Path) -> Iterator[httpx.Client]:
    with (
        serve_in_thread(bank_app(sandbox_files(seeded).bank_http)) as url,
        httpx.Client(base_url=url) as client,
    ):
        yield client
