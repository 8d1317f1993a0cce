"""Prometheus metrics: HTTP traffic by route, and the sources' health."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "xietong_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "xietong_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SOURCE_UP = Gauge("xietong_source_up", "1 if the source answered its last call", ["source"])
SOURCE_LATENCY = Gauge(
    "xietong_source_latency_ms", "Median latency of a source's recent calls", ["source"]
)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route's path template.

    Labelling by template (not raw path) keeps the number of series bounded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = _route_template(scope)
        status = 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()


def _route_template(scope: Scope) -> str:
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "other"


async def metrics_endpoint(request: Request) -> Response:
    hub = request.app.state.hub
    for source in hub.sources:
        if source.health.healthy is not None:
            SOURCE_UP.labels(source.config.name).set(1 if source.health.healthy else 0)
        if source.health.latency_ms is not None:
            SOURCE_LATENCY.labels(source.config.name).set(source.health.latency_ms)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
