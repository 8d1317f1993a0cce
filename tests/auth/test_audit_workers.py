"""Two hub processes answering at once over one PostgreSQL database keep one linear
access-log chain: every request is one event, in one sequence, every link intact."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auth.audit.verify import verify_chain
from sandbox.harness import SandboxWorld, free_port, hub_harness
from sandbox.reference import REFERENCE_DATE
from xietong.db import create_sync_engine
from xietong.migrate import upgrade

REPOSITORY = Path(__file__).resolve().parents[2]
SERVE = [sys.executable, "-c", "from xietong.cli import main; main()", "serve"]
REQUESTS_PER_PROCESS = 150
AT_ONCE = 12
"""Requests in flight against each process."""
QUESTION = {"query": "{ me { clientId region } }"}


def _wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub on port {port} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the hub on port {port} did not start")


@pytest.fixture
def two_hubs(postgres_schema_url: str, world: SandboxWorld, tmp_path: Path) -> Iterator[list[int]]:
    """Two ``xietong serve`` processes on one migrated PostgreSQL schema; their ports."""
    upgrade(postgres_schema_url)
    env = {
        **os.environ,
        "XIETONG_DATABASE_URL": postgres_schema_url,
        "XIETONG_SOURCES": str(world.sources_file),
        "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
        "XIETONG_RATE_LIMIT": "100000/second",
        "PYTHONPATH": str(REPOSITORY),
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [*SERVE, "--port", str(port), "--data-dir", str(tmp_path)],
            env=env,
            cwd=REPOSITORY,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_until_serving(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


async def _hammer(port: int, token: str) -> Counter[int]:
    limit = asyncio.Semaphore(AT_ONCE)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

        async def one() -> int:
            async with limit:
                return (await client.post("/graphql", json=QUESTION, headers=headers)).status_code

        return Counter(await asyncio.gather(*(one() for _ in range(REQUESTS_PER_PROCESS))))


async def test_two_processes_under_load_keep_one_linear_chain(
    two_hubs: list[int], postgres_schema_url: str, world: SandboxWorld
) -> None:
    async with hub_harness(postgres_schema_url, world) as harness:
        # The harness registered the demo clients in the shared database; the two
        # processes verify these tokens against the signing keys stored there.
        tokens = [await harness.token("demo-education"), await harness.token("demo-market")]

    statuses = await asyncio.gather(
        *(_hammer(port, token) for port, token in zip(two_hubs, tokens, strict=True))
    )

    assert [dict(answered) for answered in statuses] == [{200: REQUESTS_PER_PROCESS}] * 2
    engine = create_sync_engine(postgres_schema_url)
    try:
        report = verify_chain(engine)
    finally:
        engine.dispose()
    assert report.intact, report.reason
    assert report.events == 2 * REQUESTS_PER_PROCESS
