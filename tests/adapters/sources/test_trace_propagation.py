"""An HTTP source call carries the caller's trace to the department (W3C traceparent),
so a department that traces too joins the same trace."""

from __future__ import annotations

from opentelemetry import trace
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.tracing import recorded_spans
from xietong.adapters.config import SourceConfig, SourceKind
from xietong.adapters.sources.http import HttpSource
from xietong.domain.departments import Department
from xietong.sandbox.serve import serve_in_thread


async def test_an_http_source_call_passes_its_span_on_in_traceparent() -> None:
    seen: list[str | None] = []

    async def answer(request: Request) -> JSONResponse:
        seen.append(request.headers.get("traceparent"))
        return JSONResponse({"ok": True})

    department = Starlette(routes=[Route("/records", answer)])
    with serve_in_thread(department) as url, recorded_spans() as spans:
        source = HttpSource(
            SourceConfig(
                "market-registry", Department.MARKET_SUPERVISION, SourceKind.HTTP, url, "market"
            )
        )
        try:
            with trace.get_tracer("test").start_as_current_span("operation"):
                await source.request_json("GET", "/records")
        finally:
            await source.close()

    (call,) = [span for span in spans if span.name == "source market-registry"]
    assert call.context is not None
    version, trace_id, parent_id, _flags = (seen[0] or "").split("-")
    assert version == "00"
    assert int(trace_id, 16) == call.context.trace_id
    assert int(parent_id, 16) == call.context.span_id, "the department's parent is the call"
