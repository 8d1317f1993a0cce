"""The three HTTP services run together in one event loop, as ``xietong demo`` runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from xietong.kernel.errors import ConfigError
from xietong.sandbox.serve import SandboxPorts, sandbox_servers, serve_together
from xietong.sandbox.services.common import resolve_delay


async def test_the_services_serve_together_and_stop_together(seeded: Path) -> None:
    servers = sandbox_servers(seeded, "127.0.0.1", SandboxPorts(market=0, police=0, bank=0))
    serving = asyncio.create_task(serve_together(servers))
    for _ in range(1000):  # uvicorn only offers a flag to poll
        if all(server.started for server in servers):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the sandbox services did not start within 10 s")
    ports = [server.servers[0].sockets[0].getsockname()[1] for server in servers]
    async with httpx.AsyncClient() as client:
        for port, health in zip(
            ports, ("/api/v1/health", "/health", "/openapi/health"), strict=True
        ):
            assert (await client.get(f"http://127.0.0.1:{port}{health}")).status_code == 200
    servers[1].should_exit = True  # one stops: all stop
    await asyncio.wait_for(serving, 10)
    assert all(server.should_exit for server in servers)


def test_the_delay_comes_from_the_environment_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XIETONG_SANDBOX_DELAY_MS", "50")
    assert resolve_delay(None) == 50
    assert resolve_delay(0) == 0
    monkeypatch.setenv("XIETONG_SANDBOX_DELAY_MS", "fast")
    with pytest.raises(ConfigError, match="XIETONG_SANDBOX_DELAY_MS"):
        resolve_delay(None)
