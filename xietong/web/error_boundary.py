"""The last word on an exception nobody expected: the client gets a coded 500
(``INTERNAL`` and a correlation id, no traceback), the log gets the traceback
under the same id.

``ErrorBoundaryMiddleware`` sits inside the access log, so such a request still
leaves its event; ``internal_error_handler`` is Starlette's handler for anything
that escapes the middleware above it.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xietong.audit.events import AuditOutcome, draft_of
from xietong.kernel.errors import ErrorCode, new_correlation_id
from xietong.web.graphql_http import error_response

log = logging.getLogger("xietong.http")


class ErrorBoundaryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as error:
            correlation_id = _log_unexpected(scope, error)
            if started:
                return  # too late for a 500: the connection ends short, the log has it
            draft = draft_of(scope)
            if draft is not None:
                draft.outcome = AuditOutcome.ERROR
                draft.error_codes = [ErrorCode.INTERNAL.value]
            await internal_error_response(correlation_id)(scope, receive, send)


async def internal_error_handler(request: Request, error: Exception) -> Response:
    """``Starlette(exception_handlers={Exception: internal_error_handler})``."""
    return internal_error_response(_log_unexpected(request.scope, error))


def internal_error_response(correlation_id: str) -> Response:
    return error_response(
        500,
        f"internal error (correlation id {correlation_id})",
        ErrorCode.INTERNAL,
        correlationId=correlation_id,
    )


def _log_unexpected(scope: Scope, error: BaseException) -> str:
    correlation_id = new_correlation_id()
    log.error(
        "unexpected error answering %s %s (correlation id %s)",
        scope.get("method"),
        scope.get("path"),
        correlation_id,
        exc_info=error,
        extra={"correlation_id": correlation_id},
    )
    return correlation_id
