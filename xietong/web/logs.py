"""Structured logs: one JSON object a line, for ``xietong serve`` and ``xietong demo``.

Every line written while a request is answered carries its ``request_id`` (the one
its ``X-Request-Id`` response header gives the client) and, when the request is
traced, its ``trace_id`` and ``span_id``: uvicorn's access line too, whose parts
become fields of their own. An unexpected error's traceback is in the
``exception`` field of the line that carries its ``correlation_id``, the id the
client was given; ``extra={...}`` fields of a log call become fields of the line.
"""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

REQUEST_ID: ContextVar[str | None] = ContextVar("xietong_request_id", default=None)
"""The id of the request being answered (``xietong.web.request_id``)."""

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) - {
    "request_id",
    "trace_id",
    "span_id",
} | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
}
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")
"""What uvicorn passes as the arguments of its access line, in order."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,  # which worker
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            entry.update(zip(_ACCESS_FIELDS, record.args, strict=False))
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_") and value is not None:
                entry.setdefault(name, value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is when a line is written, not as it was when
    logging was configured: a command run in-process (a test's CliRunner) swaps it
    for a while and closes its stand-in afterwards."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _stamped(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = trace.format_trace_id(span.trace_id)
            record.span_id = trace.format_span_id(span.span_id)
        return record

    make.stamps_requests = True  # type: ignore[attr-defined]
    return make


def stamp_log_records() -> None:
    """Stamp every log record, as it is made, with the request and trace it is
    written for: read later (a queued handler, a test's capture), the record still
    says which request it was, after the request has ended."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "stamps_requests", False):
        logging.setLogRecordFactory(_stamped(factory))


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` (uvicorn's ``log_config``) writing JSON to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"()": StderrHandler, "formatter": "json"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's loggers bring handlers and levels of their own (the sandbox's
            # servers in the demo set theirs to WARNING); send them through ours.
            name: {"handlers": [], "propagate": True, "level": level.upper()}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        }
        | {"alembic": {"level": "WARNING"}},
    }


def configure_json_logging(level: str = "INFO") -> None:
    stamp_log_records()
    logging.config.dictConfig(log_config(level))
