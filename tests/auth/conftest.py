"""Fixtures of the token tests: a ``TokenHub`` over a migrated SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.auth.token_helpers import AUDIENCE, ISSUER, TTL_SECONDS, MovableClock, TokenHub
from xietong.auth.backend import principal_of, unauthenticated_response
from xietong.auth.routes import authentication_middleware, oauth_routes
from xietong.auth.token_service import TokenService
from xietong.kernel.db import create_hub_engine
from xietong.kernel.settings import Settings


async def echo(request: Request) -> Response:
    """A protected endpoint that shows who the token says the caller is."""
    principal = principal_of(request.scope)
    if principal is None:
        return unauthenticated_response("a bearer access token is required", invalid_token=False)
    return JSONResponse(
        {
            "client_id": principal.client_id,
            "subject": principal.subject,
            "department": principal.department,
            "roles": list(principal.roles),
            "region": principal.region,
            "scopes": request.auth.scopes,
        }
    )


@pytest.fixture
async def token_hub(hub_database_url: str) -> AsyncIterator[TokenHub]:
    settings = Settings.from_env(
        {
            "XIETONG_DATABASE_URL": hub_database_url,
            "XIETONG_ISSUER": ISSUER,
            "XIETONG_AUDIENCE": AUDIENCE,
            "XIETONG_TOKEN_TTL": str(TTL_SECONDS),
        }
    )
    engine = create_hub_engine(hub_database_url)
    clock = MovableClock()
    service = TokenService(engine, settings, clock=clock)
    app = Starlette(
        routes=[*oauth_routes(service), Route("/echo", echo)],
        middleware=authentication_middleware(service.verifier),
    )
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
            yield TokenHub(service=service, clock=clock, http=http, database_url=hub_database_url)
    finally:
        await engine.dispose()
