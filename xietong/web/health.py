"""Liveness and readiness: is the process up, and can it do its work?

Ready means the hub's own store takes writes: without them no request can leave
its access-log event, so every request would fail closed. Department sources are
reported but do not make the hub unready: with one down the hub still answers,
without that department's fields, and taking every worker out of service would
cost the other departments too. An operator whose hub is worthless without some
source names it in ``XIETONG_REQUIRED_SOURCES``: that one down makes it unready.
Redis, when configured, is required too (DESIGN §11): without it every worker
counts its own rate limits, so the hub's limits no longer hold as configured.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from xietong.adapters.sources.registry import Source
from xietong.hub.services import Hub
from xietong.kernel.db import check_writable
from xietong.kernel.errors import ConfigError

STORE_WAIT = 0.5
"""Seconds the write probe waits for a lock: under an orchestrator's usual probe
timeout (one second for Kubernetes), so a locked store reads as not ready rather
than as a probe that never answered."""
SOURCES_WAIT = 0.8


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 when the hub database takes writes (and Redis, when configured, and every
    required source answer), 503 naming what does not; the sources' state in the
    body either way."""
    hub = request.app.state.hub
    store, sources, limits = await asyncio.gather(
        _store(hub), _sources(hub), _rate_limit_store(hub)
    )
    failing = [] if store == "ok" else [{"name": "hub-database", "error": store}]
    if limits == "unavailable":
        failing.append({"name": "rate-limit-store", "error": "Redis does not answer"})
    failing += [
        {"name": name, "error": sources[name].get("error", sources[name]["status"])}
        for name in hub.settings.required_sources
        if sources.get(name, {}).get("status") != "ok"
    ]
    ready = not failing
    return JSONResponse(
        {
            "status": "ready" if ready else "not ready",
            "database": store,
            "sources": sources,
            "failing": failing,
            "rateLimitStore": limits,
        },
        status_code=200 if ready else 503,
    )


async def _store(hub: Hub) -> str:
    try:
        await asyncio.to_thread(check_writable, hub.sync_engine, wait=STORE_WAIT)
    except ConfigError as error:
        return str(error)
    return "ok"


async def _sources(hub: Hub) -> dict[str, dict[str, str]]:
    """Each source's answer to a ping; a source slower than ``SOURCES_WAIT`` is
    reported as last seen, so that it cannot hold up the probe either."""
    try:
        probes = await asyncio.wait_for(hub.sources.probe(), SOURCES_WAIT)
    except TimeoutError:
        return {source.config.name: _last_seen(source) for source in hub.sources}
    return {
        probe.source: {
            "department": probe.department.value,
            "status": "ok" if probe.ok else "unavailable",
            **({"error": probe.error} if probe.error else {}),
        }
        for probe in probes
    }


def _last_seen(source: Source) -> dict[str, str]:
    health = source.health
    status = {None: "no answer yet", True: "ok", False: "unavailable"}[health.healthy]
    return {
        "department": source.config.department.value,
        "status": status,
        **({"error": health.last_error} if health.last_error else {}),
    }


async def _rate_limit_store(hub: Hub) -> str:
    if not hub.rate_limiter.shared:
        return "memory (this worker only)"
    try:
        await hub.rate_limiter.check()
    except ConfigError:
        return "unavailable"
    return "ok"
