"""A whole hub over the real sandbox departments, for tests that go through HTTP.

``SandboxWorld``: one seeded data directory, its HTTP services on free local
ports, and a sources file pointing at all six sources. ``HubHarness``: the hub
app over a migrated database with the demo clients registered, and a way to ask
it a GraphQL question as any of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.jwk import ECKey
from starlette.applications import Starlette

from auth.demo import DEMO_CLIENTS
from sandbox.config import write_sources_file
from sandbox.layout import sandbox_files
from sandbox.reference import REFERENCE_DATE
from sandbox.seed import seed_sandbox
from sandbox.serve import SandboxPorts, serve_in_thread
from sandbox.services import bank_app, market_app, police_app
from xietong.app import create_app
from xietong.hub import Hub
from xietong.settings import Settings

CLIENT_JWKS = {"keys": [ECKey.generate_key("P-256").as_dict(private=False)]}


@dataclass(frozen=True, slots=True)
class SandboxWorld:
    data_dir: Path
    sources_file: Path
    institutions: int


@contextmanager
def sandbox_world(data_dir: Path, institutions: int) -> Iterator[SandboxWorld]:
    seed_sandbox(data_dir, institutions)
    files = sandbox_files(data_dir)
    with ExitStack() as stack:
        urls = [
            stack.enter_context(serve_in_thread(app))
            for app in (
                market_app(files.market),
                police_app(files.police),
                bank_app(files.bank_http),
            )
        ]
        market, police, bank = (urlsplit(url).port or 0 for url in urls)
        sources = write_sources_file(
            data_dir, "127.0.0.1", SandboxPorts(market=market, police=police, bank=bank)
        )
        yield SandboxWorld(data_dir, sources, institutions)


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
        headers = {"Authorization": f"Bearer {await self.token(client_id)}"}
        if purpose:
            headers["X-Purpose"] = purpose
        if case_id:
            headers["X-Case-Id"] = case_id
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )


@asynccontextmanager
async def hub_harness(database_url: str, world: SandboxWorld) -> AsyncIterator[HubHarness]:
    settings = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": database_url,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_REFERENCE_DATE": REFERENCE_DATE.isoformat(),
        },
        data_dir=world.data_dir,
    )
    hub = await Hub.open(settings)
    try:
        await hub.tokens.keys.ensure_signing_key()
        for demo in DEMO_CLIENTS:
            # A key instead of a secret: tokens are minted directly here, and hashing
            # eleven secrets with scrypt would cost a second a test.
            await hub.tokens.clients.add(
                demo.client_id,
                name=demo.name,
                department=demo.department,
                roles=[demo.role],
                region=demo.region,
                jwks=CLIENT_JWKS,
            )
        app = create_app(settings, hub=hub)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            yield HubHarness(hub, http, app)
    finally:
        await hub.close()
