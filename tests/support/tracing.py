"""Spans the hub makes, caught in memory: OpenTelemetry's SDK with its in-memory
exporter, installed once per test process as the global tracer provider (it can be
set only once), recording only while a test asks it to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class _WhileRecording(SpanProcessor):
    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.recording = False
        self._inner = SimpleSpanProcessor(exporter)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if self.recording:
            self._inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if self.recording:
            self._inner.on_end(span)


_EXPORTER = InMemorySpanExporter()
_PROCESSOR = _WhileRecording(_EXPORTER)
_installed = False


@contextmanager
def recorded_spans() -> Iterator[list[ReadableSpan]]:
    """The spans that end inside the block, in the list yielded (filled at its end)."""
    global _installed
    if not _installed:
        provider = TracerProvider()
        provider.add_span_processor(_PROCESSOR)
        trace.set_tracer_provider(provider)
        _installed = True
    spans: list[ReadableSpan] = []
    _EXPORTER.clear()
    _PROCESSOR.recording = True
    try:
        yield spans
    finally:
        _PROCESSOR.recording = False
        spans.extend(_EXPORTER.get_finished_spans())
        _EXPORTER.clear()
