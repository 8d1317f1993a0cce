"""Liveness and readiness: is the process up, and can it reach what it needs?"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse

from xietong.hub.services import Hub
from xietong.kernel.db import check_reachable
from xietong.kernel.errors import ConfigError


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 when the hub database and every source answer; 503 naming those that do not."""
    hub = request.app.state.hub
    failing: list[dict[str, str]] = []
    try:
        await check_reachable(hub.engine)
        database = "ok"
    except (ConfigError, DBAPIError, OSError) as error:
        database = str(error)
        failing.append({"name": "hub-database", "error": database})
    sources = {}
    for probe in await hub.sources.probe():
        sources[probe.source] = {
            "department": probe.department.value,
            "status": "ok" if probe.ok else "unavailable",
            **({"error": probe.error} if probe.error else {}),
        }
        if not probe.ok:
            failing.append({"name": probe.source, "error": probe.error or "unavailable"})
    ready = not failing
    return JSONResponse(
        {
            "status": "ready" if ready else "not ready",
            "database": database,
            "sources": sources,
            "failing": failing,
            # Reported, not required: without its store the limiter lets requests through.
            "rateLimitStore": await _rate_limit_store(hub),
        },
        status_code=200 if ready else 503,
    )


async def _rate_limit_store(hub: Hub) -> str:
    if not hub.rate_limiter.shared:
        return "memory (this worker only)"
    try:
        await hub.rate_limiter.check()
    except ConfigError:
        return "unavailable"
    return "ok"
