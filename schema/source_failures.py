"""A department source that fails costs one log line per request, not one per field.

A joint-record page with the check service down has a ``SOURCE_UNAVAILABLE`` error
at every staff member's ``backgroundCheck``; each is an expected answer (DESIGN §2:
partial beats nothing), so the log gets one WARNING per failing source, without a
traceback, saying how many fields it cost. A database error's text may quote the
source's tables: the client reads "database error" and one correlation id per
source, under which the log line keeps the driver's first line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError

from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.kernel.errors import new_correlation_id

log = logging.getLogger("xietong.sources")


def root_cause(error: GraphQLError) -> Exception | None:
    cause = error.original_error
    while isinstance(cause, GraphQLError) and cause.original_error is not None:
        cause = cause.original_error
    return cause


@dataclass(slots=True)
class _Failure:
    error: SourceUnavailableError
    correlation_id: str | None
    paths: list[str] = field(default_factory=list)

    def shown(self, error: GraphQLError) -> GraphQLError:
        if self.correlation_id is None:
            return error
        source = self.error
        return GraphQLError(
            f"{source.department} source {source.source!r} is unavailable: database error "
            f"(correlation id {self.correlation_id})",
            nodes=error.nodes,
            path=error.path,
            original_error=source,
            extensions={**(error.extensions or {}), "correlationId": self.correlation_id},
        )


def report_source_failures(errors: list[GraphQLError]) -> list[GraphQLError]:
    """``errors`` as the client should read them, after one log line per failing source."""
    failures: dict[str, _Failure] = {}
    shown: list[GraphQLError] = []
    for error in errors:
        cause = root_cause(error)
        if not isinstance(cause, SourceUnavailableError) or "correlationId" in (
            error.extensions or {}
        ):
            shown.append(error)
            continue
        failure = failures.get(cause.source)
        if failure is None:
            database = isinstance(cause.__cause__, DBAPIError)
            failure = _Failure(cause, new_correlation_id() if database else None)
            failures[cause.source] = failure
        failure.paths.append(".".join(str(part) for part in error.path or ()))
        shown.append(failure.shown(error))
    for failure in failures.values():
        _log(failure)
    return shown


def _log(failure: _Failure) -> None:
    error = failure.error
    log.warning(
        "%s source %r is unavailable: %s (%d fields unanswered)",
        error.department,
        error.source,
        error.reason,
        len(failure.paths),
        extra={
            "department": error.department.value,
            "source": error.source,
            "reason": error.reason,
            "fields_unanswered": len(failure.paths),
            "first_path": failure.paths[0],
            "correlation_id": failure.correlation_id,
            "error_type": type(error.__cause__).__name__ if error.__cause__ else None,
        },
    )
