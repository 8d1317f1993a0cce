"""A whole hub over the real sandbox departments, for tests and benchmarks.

``SandboxWorld``: one seeded data directory, its HTTP services on free local
ports, and a sources file pointing at all six sources. ``HubHarness``: the hub
app over a migrated database with the demo clients registered, and a way to ask
it a GraphQL question as any of them.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.jwk import ECKey
from starlette.applications import Starlette

from xietong.auth.demo import DEMO_CLIENTS
from xietong.hub.services import Hub
from xietong.kernel.settings import Settings
from xietong.sandbox.config import write_sources_file
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.reference import DEFAULT_SEED, KAIFENG, REFERENCE_DATE
from xietong.sandbox.seed import seed_sandbox
from xietong.sandbox.serve import SandboxPorts, serve_in_threads
from xietong.sandbox.services import bank_app, market_app, police_app
from xietong.web.app import create_app

CLIENT_JWKS = {"keys": [ECKey.generate_key("P-256").as_dict(private=False)]}


@dataclass(frozen=True, slots=True)
class SandboxWorld:
    data_dir: Path
    sources_file: Path
    institutions: int
    services_pid: int | None = None
    """The process serving the HTTP departments, when it is one of its own."""


@contextmanager
def sandbox_world(
    data_dir: Path,
    institutions: int,
    *,
    delay_ms: float | None = None,
    cache_ttl: float = 5.0,
    separate_process: bool = False,
    seed: int = DEFAULT_SEED,
    city: str = KAIFENG,
) -> Iterator[SandboxWorld]:
    """Seed ``data_dir``, serve its HTTP departments, write their sources file.

    ``delay_ms`` slows every HTTP service down (benchmarks of the fan-out);
    ``cache_ttl`` 0 makes the hub ask the sources every time; ``separate_process``
    serves the departments from another process, so that their work does not share
    this process's interpreter lock (benchmarks); tests keep them in threads.
    ``seed`` and ``city``: another city's departments (a second hub).
    """
    seed_sandbox(data_dir, institutions, seed=seed, city=city)
    serve = _services_in_process if separate_process else _services_in_threads
    with serve(data_dir, delay_ms) as (ports, pid):
        sources = write_sources_file(data_dir, "127.0.0.1", ports, cache_ttl=cache_ttl)
        yield SandboxWorld(data_dir, sources, institutions, pid)


@contextmanager
def _services_in_threads(
    data_dir: Path, delay_ms: float | None
) -> Iterator[tuple[SandboxPorts, int | None]]:
    files = sandbox_files(data_dir)
    apps = (
        market_app(files.market, delay_ms=delay_ms),
        police_app(files.police, delay_ms=delay_ms),
        bank_app(files.bank_http, delay_ms=delay_ms),
    )
    with serve_in_threads(apps) as urls:
        market, police, bank = (urlsplit(url).port or 0 for url in urls)
        yield SandboxPorts(market=market, police=police, bank=bank), None


@contextmanager
def _services_in_process(
    data_dir: Path, delay_ms: float | None
) -> Iterator[tuple[SandboxPorts, int | None]]:
    ports = SandboxPorts(*(free_port() for _ in range(3)))
    script = (
        "import asyncio, sys; from pathlib import Path; "
        "from xietong.sandbox.serve import SandboxPorts, serve_sandbox; "
        "asyncio.run(serve_sandbox(Path(sys.argv[1]), '127.0.0.1', "
        "SandboxPorts(*map(int, sys.argv[2:5])), delay_ms=float(sys.argv[5]) or None))"
    )
    arguments = [str(data_dir), str(ports.market), str(ports.police), str(ports.bank)]
    process = subprocess.Popen([sys.executable, "-c", script, *arguments, str(delay_ms or 0)])
    try:
        for port in (ports.market, ports.police, ports.bank):
            _wait_for(port, process)
        yield ports, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def free_port() -> int:
    """A port nothing on this machine listens on now (for servers tests start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the sandbox services exited while starting")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the sandbox service on port {port} did not start")


@dataclass
class HubHarness:
    hub: Hub
    http: httpx.AsyncClient
    app: Starlette
    _tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, client_id: str) -> str:
        if client_id not in self._tokens:
            issued = await self.hub.tokens.issue_access_token(client_id)
            self._tokens[client_id] = issued.access_token
        return self._tokens[client_id]

    async def graphql(
        self,
        client_id: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        purpose: str | None = "test",
        case_id: str | None = None,
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {await self.token(client_id)}",
            # What GraphQL clients send today (without it the hub answers application/json).
            "Accept": "application/graphql-response+json",
        }
        if purpose:
            headers["X-Purpose"] = purpose
        if case_id:
            headers["X-Case-Id"] = case_id
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )


HARNESS_RATE_LIMIT = "1000/second"
"""The harness asks many questions quickly as one client; tests of the rate limit
set their own with ``env``."""


async def prepare(hub: Hub, *, register_clients: bool = True) -> None:
    """A signing key, and every demo client registered with ``CLIENT_JWKS`` instead of
    a secret: tokens are minted directly here, and hashing eleven secrets with scrypt
    would cost a second a test."""
    await hub.tokens.keys.ensure_signing_key()
    for demo in DEMO_CLIENTS if register_clients else ():
        await hub.tokens.clients.add(
            demo.client_id,
            name=demo.name,
            department=demo.department,
            roles=[demo.role],
            region=demo.region,
            jwks=CLIENT_JWKS,
        )


@asynccontextmanager
async def hub_harness(
    database_url: str,
    world: SandboxWorld,
    *,
    env: Mapping[str, str] | None = None,
    register_clients: bool = True,
) -> AsyncIterator[HubHarness]:
    """The hub over ``world``; ``env`` adds or overrides ``XIETONG_*`` settings.

    ``register_clients=False`` opens another hub (another worker, as it were) over
    a database where the demo clients are already registered.
    """
    settings = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": database_url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
            "XIETONG_RATE_LIMIT": HARNESS_RATE_LIMIT,
            **(env or {}),
        },
        data_dir=world.data_dir,
    )
    hub = await Hub.open(settings)
    try:
        await prepare(hub, register_clients=register_clients)
        app = create_app(settings, hub=hub)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            yield HubHarness(hub, http, app)
    finally:
        await hub.close()


def wait_until_serving(
    url: str, process: subprocess.Popen[bytes], log: Path, *, workers: int = 1
) -> None:
    """Wait until ``xietong serve`` at ``url`` answers ``/healthz`` and each of its
    ``workers`` has finished starting (one may answer while another still starts);
    its log if it dies."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"xietong serve exited:\n{log.read_text(encoding='utf-8')}")
        started = log.read_text(encoding="utf-8").count("Application startup complete")
        try:
            if started >= workers and httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"xietong serve did not start:\n{log.read_text(encoding='utf-8')}")
