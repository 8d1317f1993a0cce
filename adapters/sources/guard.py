"""One call to a department source, as every source kind makes it: refused at once
while the source's circuit is open, bounded by its ``timeout`` as a whole, and its
outcome recorded in the circuit breaker and in the source's health.

A source kind says only how a call of its own fails: a ``CallFailed``, or its own
exceptions turned into one by ``failure_of``. Any failure reaches the caller as
the one SourceUnavailableError, raised from the exception that ended the call (the
GraphQL layer hides a database error's detail by looking at that cause).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from xietong.adapters.config import SourceConfig
from xietong.adapters.sources.breaker import CircuitBreaker
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.adapters.sources.health import SourceHealth
from xietong.adapters.sources.metrics import SOURCE_CALL_SECONDS, SOURCE_ERRORS
from xietong.adapters.sources.retry import CallFailed

T = TypeVar("T")
tracer = trace.get_tracer("xietong.sources")
FailureOf = Callable[[Exception], CallFailed | None]
"""Why an exception raised by a call means the source failed; None lets it through."""


class GuardedSource(Protocol):
    config: SourceConfig
    breaker: CircuitBreaker
    health: SourceHealth
    calls: int
    """Calls that reached for the source: not those the open circuit refused."""


def call_failed(error: Exception) -> CallFailed | None:
    """The default ``failure_of``: a call fails only by raising CallFailed."""
    return error if isinstance(error, CallFailed) else None


async def guarded_call(
    source: GuardedSource,
    call: Callable[[], Awaitable[T]],
    *,
    failure_of: FailureOf = call_failed,
) -> T:
    """The result of ``call()``; a refusal by the open circuit, a timeout or a
    failure is a SourceUnavailableError naming the source.

    Each call is one span (a child of the GraphQL operation's; an HTTP source passes
    it on in ``traceparent``) and is timed and counted in ``adapters.sources.metrics``.
    """
    config = source.config
    department = config.department.value
    with tracer.start_as_current_span(
        f"source {config.name}",
        kind=SpanKind.CLIENT,
        attributes={
            "xietong.department": department,
            "xietong.source": config.name,
            "xietong.source.kind": config.kind.value,
        },
    ) as span:
        started = time.perf_counter()
        try:
            result = await _guarded(source, call, failure_of)
        except SourceUnavailableError as error:
            span.set_status(Status(StatusCode.ERROR, error.reason))
            reason = (
                "circuit_open"
                if error.__cause__ is None
                else "timeout"
                if error.reason == "timed out"
                else "failed"
            )
            SOURCE_ERRORS.labels(config.name, department, reason).inc()
            SOURCE_CALL_SECONDS.labels(config.name, department, "error").observe(
                time.perf_counter() - started
            )
            raise
        SOURCE_CALL_SECONDS.labels(config.name, department, "ok").observe(
            time.perf_counter() - started
        )
        return result


async def _guarded(
    source: GuardedSource, call: Callable[[], Awaitable[T]], failure_of: FailureOf
) -> T:
    config, breaker, health = source.config, source.breaker, source.health
    if not breaker.allow():
        reason = breaker.refusal()
        health.record_refused(reason)
        raise SourceUnavailableError(config.department, config.name, reason)
    trial = breaker.half_open
    source.calls += 1
    started = time.perf_counter()
    try:
        async with asyncio.timeout(config.timeout):
            result = await call()
    except Exception as error:
        failure = (
            CallFailed("timed out", transient=True)
            if isinstance(error, TimeoutError)
            else failure_of(error)
        )
        if failure is None:
            raise
        health.record_failure(failure.reason, _elapsed_ms(started))
        if failure.source_fault:
            breaker.record_failure()
        else:
            breaker.record_success()  # it answered: a refusal of this request says nothing
        raise SourceUnavailableError(config.department, config.name, failure.reason) from error
    finally:
        if trial:
            breaker.release()  # a cancelled trial must not keep the circuit shut
    breaker.record_success()
    health.record_success(_elapsed_ms(started))
    return result


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
