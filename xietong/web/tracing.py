"""OpenTelemetry for the hub: a span per HTTP request that continues the caller's
trace (W3C ``traceparent``), under it one per GraphQL operation
(``xietong.schema.tracing``) and one per department source call, whose HTTP
requests carry the trace on (``adapters.sources``).

Spans are exported over OTLP (HTTP/protobuf) only when an endpoint is configured
(``XIETONG_OTLP_ENDPOINT``, or OpenTelemetry's own ``OTEL_EXPORTER_OTLP_ENDPOINT``)
and the exporter is installed (``pip install 'xietong[otlp]'``). Without one the
hub records nothing, yet still passes an incoming trace id on to the HTTP sources
and writes it in its log lines and access-log events.
"""

from __future__ import annotations

import logging

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings
from xietong.web.metrics import route_template

tracer = trace.get_tracer("xietong.web")
log = logging.getLogger("xietong.tracing")


class TracingMiddleware:
    """A SERVER span per HTTP request, child of the caller's ``traceparent`` if any."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parent = propagate.extract(Headers(scope=scope))
        route = route_template(scope)
        with tracer.start_as_current_span(
            f"{scope['method']} {route}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "http.route": route},
        ) as span:

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_with_status)


def current_trace_id() -> str | None:
    """The trace id of the span being run (32 hex digits), if there is a trace."""
    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else None


def configure_tracing(settings: Settings) -> bool:
    """Export spans over OTLP when an endpoint is configured; whether it is."""
    if not settings.otlp_endpoint:
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise ConfigError(
            f"an OTLP endpoint is configured ({settings.otlp_endpoint}) but the exporter is "
            "not installed: pip install 'xietong[otlp]'"
        ) from None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    endpoint = settings.otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    log.info("exporting traces to %s", endpoint)
    return True
