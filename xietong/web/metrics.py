"""Prometheus metrics: HTTP traffic by route, GraphQL requests by client, operation
and error code, the sources' latency, errors, cache and circuit breakers
(``adapters.sources.metrics``), the access log's append time, rate-limit refusals.

Label values a client chooses (operation names) are bounded: past
``OPERATION_NAMES`` distinct ones a worker counts the rest as ``other``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Metric,
    generate_latest,
    start_http_server,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xietong.adapters.sources.registry import Source
from xietong.hub.services import Hub

HTTP_REQUESTS = Counter(
    "xietong_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "xietong_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS = Counter(
    "xietong_requests_total",
    "Requests to audited paths, by client, GraphQL operation and outcome",
    ["path", "client", "operation", "outcome"],
)
REQUEST_ERRORS = Counter(
    "xietong_request_errors_total",
    "Error codes answered, by client and GraphQL operation (one request may have several)",
    ["client", "operation", "code"],
)
ACCESS_LOG_APPEND = Histogram(
    "xietong_access_log_append_seconds",
    "Time from a request's answer being ready to its access-log event being committed",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
RATE_LIMIT_REFUSALS = Counter(
    "xietong_rate_limit_refusals_total", "Requests refused with 429", ["budget"]
)
SOURCE_UP = Gauge("xietong_source_up", "1 if the source answered its last call", ["source"])
SOURCE_LATENCY = Gauge(
    "xietong_source_latency_ms", "Median latency of a source's recent calls", ["source"]
)
SOURCE_CIRCUIT = Gauge(
    "xietong_source_circuit_state",
    "The source's circuit breaker: 0 closed (calls go through), 1 open (refused), "
    "2 half-open (one trial call under way)",
    ["source", "department"],
)

OPERATION_NAMES = 200
_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """``name`` as a label value, bounded in number per worker."""
    if not name:
        return ""
    if name in _operations:
        return name
    if len(_operations) >= OPERATION_NAMES:
        return "other"
    _operations.add(name)
    return name


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
        route = route_template(scope)
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


def route_template(scope: Scope) -> str:
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "other"


def circuit_state(source: Source) -> int:
    if source.breaker.half_open:
        return 2
    return 1 if source.breaker.is_open else 0


def _refresh(sources: Iterable[Source]) -> None:
    """Set the gauges read off the sources' state, as of this scrape."""
    for source in sources:
        name = source.config.name
        if source.health.healthy is not None:
            SOURCE_UP.labels(name).set(1 if source.health.healthy else 0)
        if source.health.latency_ms is not None:
            SOURCE_LATENCY.labels(name).set(source.health.latency_ms)
        SOURCE_CIRCUIT.labels(name, source.config.department.value).set(circuit_state(source))


async def metrics_endpoint(request: Request) -> Response:
    _refresh(request.app.state.hub.sources)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


METRICS_ROUTE = Route("/metrics", metrics_endpoint, methods=["GET"])


class _Scraped(CollectorRegistry):
    """The process's metrics, with the sources' gauges refreshed on every scrape."""

    def __init__(self, sources: Iterable[Source]) -> None:
        super().__init__(auto_describe=False)
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        _refresh(self.sources)
        yield from REGISTRY.collect()


@contextlib.contextmanager
def metrics_server(hub: Hub, host: str, port: int) -> Iterator[None]:
    """``/metrics`` on a port of its own (``XIETONG_METRICS_PORT``), while the app runs.

    prometheus_client's own server, in a thread: a scrape never waits for the
    event loop that answers GraphQL."""
    server, thread = start_http_server(port, host, registry=_Scraped(hub.sources))
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
