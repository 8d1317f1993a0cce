"""A department service reached over HTTP with JSON, through a pooled keep-alive client."""

from __future__ import annotations

import time
from typing import Any

import httpx

from adapters.config import SourceConfig
from adapters.sources.errors import SourceUnavailableError
from adapters.sources.health import SourceHealth


class HttpSource:
    """Calls one department service; any failure is a SourceUnavailableError."""

    def __init__(self, config: SourceConfig, *, transport: httpx.AsyncBaseTransport | None = None):
        self.config = config
        self.health = SourceHealth()
        self.calls = 0
        self.client = httpx.AsyncClient(
            base_url=config.url,
            timeout=config.timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )

    async def request_json(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        self.calls += 1
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, json=json, params=params)
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as error:
            reason = _describe(error)
            self.health.record_failure(reason, _elapsed_ms(started))
            raise SourceUnavailableError(
                self.config.department, self.config.name, reason
            ) from error
        self.health.record_success(_elapsed_ms(started))
        return payload

    async def ping(self) -> None:
        await self.request_json("GET", self.config.health_path)

    async def close(self) -> None:
        await self.client.aclose()


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code} from {error.request.url.path}"
    if isinstance(error, httpx.TransportError):
        return f"cannot connect ({type(error).__name__})"
    return f"answered with invalid JSON ({error})"
