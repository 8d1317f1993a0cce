"""A tiny real HTTP service whose answers a test scripts: fail the next N requests
with a status, or be slow, and count every request that reaches it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from xietong.adapters.config import SourceConfig, SourceKind
from xietong.domain.departments import Department


@dataclass
class Script:
    failures: int = 0
    """Answer the next this many requests with ``status``."""
    status: int = 503
    delay: float = 0.0
    hits: int = 0

    def reset(self) -> None:
        self.failures, self.status, self.delay, self.hits = 0, 503, 0.0, 0


def scripted_app(script: Script) -> Starlette:
    async def answer(request: Request) -> JSONResponse:
        script.hits += 1
        if script.delay:
            await asyncio.sleep(script.delay)
        if script.failures > 0:
            script.failures -= 1
            return JSONResponse({"error": "scripted"}, status_code=script.status)
        return JSONResponse({"ok": True, "method": request.method})

    return Starlette(routes=[Route("/answer", answer, methods=["GET", "POST"])])


def scripted_source(url: str, *, timeout: float = 2.0) -> SourceConfig:
    return SourceConfig(
        name="scripted",
        department=Department.MARKET_SUPERVISION,
        kind=SourceKind.HTTP,
        url=url,
        format="market",
        timeout=timeout,
        health_path="/answer",
    )
