"""Every request to an audited path leaves one event, written before the answer leaves.

The middleware holds back the response until the event is committed. If the event
cannot be written the request fails closed: the client gets an INTERNAL error and
none of the data. A subscription over Server-Sent Events is the exception: its
start is logged by the subscription before its first event can leave
(``resolvers.live``), and the request's event, written when the stream ends (even
cut by the client), is its end, with every record it returned. A request whose
write already committed its event with the change (``xietong.audit.in_transaction``)
has its event: none is written again.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xietong.audit.events import DRAFT_KEY, AuditDraft, AuditOutcome
from xietong.audit.log import AuditLog, now
from xietong.auth.backend import principal_of
from xietong.kernel.errors import ErrorCode
from xietong.web.metrics import ACCESS_LOG_APPEND, REQUEST_ERRORS, REQUESTS, operation_label
from xietong.web.purpose import BODY, OPERATION_NAME_LIMIT, STATEMENT_KEY, Statement, logged
from xietong.web.tracing import current_trace_id

log = logging.getLogger("xietong.audit")


class AuditMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        audit_log_of: Callable[[Scope], AuditLog],
        paths: Iterable[str],
        prefixes: Iterable[str] = (),
    ) -> None:
        """``paths``: audited as they are; ``prefixes``: every path under them."""
        self.app = app
        self.audit_log_of = audit_log_of
        self.paths = frozenset(paths)
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (
            scope["path"] in self.paths or scope["path"].startswith(self.prefixes)
        ):
            await self.app(scope, receive, send)
            return
        started_at, started = now(), time.perf_counter()
        draft = AuditDraft(started_at=started_at)
        scope.setdefault("state", {})[DRAFT_KEY] = draft
        failed = False
        streamed: int | None = None  # the status of an event stream, logged as it ends

        async def send_after_logging(message: Message) -> None:
            nonlocal failed, streamed
            if message["type"] == "http.response.start" and _is_event_stream(message):
                streamed = message["status"]
            elif message["type"] == "http.response.start" and not draft.written:
                _seal(draft, scope, message["status"])
                _count(draft, scope["path"])
                try:
                    appending = time.perf_counter()
                    await self.audit_log_of(scope).append(
                        draft,
                        at=started_at,
                        duration_ms=(appending - started) * 1000,
                    )
                    ACCESS_LOG_APPEND.observe(time.perf_counter() - appending)
                except Exception:
                    failed = True
                    correlation_id = uuid.uuid4().hex
                    log.exception("access log write failed (%s): failing closed", correlation_id)
                    await _send_internal_error(send, correlation_id)
                    return
            if failed:
                return  # the held-back answer never leaves
            await send(message)

        try:
            await self.app(scope, receive, send_after_logging)
        finally:
            if streamed is not None and not draft.written:
                _seal(draft, scope, streamed)
                _count(draft, scope["path"])
                try:
                    await self.audit_log_of(scope).append(
                        draft, at=started_at, duration_ms=(time.perf_counter() - started) * 1000
                    )
                except Exception:
                    log.exception("access log write failed at the end of an event stream")


def _is_event_stream(message: Message) -> bool:
    return any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/event-stream")
        for name, value in message.get("headers", [])
    )


def _count(draft: AuditDraft, path: str) -> None:
    client = draft.client_id or ""
    operation = operation_label(draft.operation_name)
    outcome = draft.outcome.value if draft.outcome else ""
    REQUESTS.labels(path, client, operation, outcome).inc()
    for code in draft.error_codes:
        REQUEST_ERRORS.labels(client, operation, code).inc()


def _seal(draft: AuditDraft, scope: Scope, status: int) -> None:
    draft.trace_id = current_trace_id()
    principal = principal_of(scope)
    if principal is not None:
        draft.client_id = principal.client_id
        draft.subject = principal.subject
        draft.department = principal.department.value
        draft.roles = list(principal.roles)
        draft.region = principal.region
    body = BODY.get()
    statement = scope.get("state", {}).get(STATEMENT_KEY)
    if not isinstance(statement, Statement):
        statement = logged(Headers(scope=scope), body.extensions if body else None)
    draft.purpose = statement.purpose
    draft.case_id = statement.case_id
    if draft.operation_name is None and body is not None and body.operation_name:
        draft.operation_name = str(body.operation_name)[:OPERATION_NAME_LIMIT]
    if status == 401:
        draft.outcome = AuditOutcome.UNAUTHENTICATED
    elif draft.outcome is None:
        draft.outcome = AuditOutcome.OK if status < 400 else AuditOutcome.ERROR


async def _send_internal_error(send: Send, correlation_id: str) -> None:
    body = json.dumps(
        {
            "data": None,
            "errors": [
                {
                    "message": f"internal error (correlation id {correlation_id})",
                    "extensions": {
                        "code": ErrorCode.INTERNAL.value,
                        "correlationId": correlation_id,
                    },
                }
            ],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
