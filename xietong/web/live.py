"""Subscriptions over WebSocket (``graphql-transport-ws``): who connects, and one
context and one access-log event per operation.

A browser cannot set headers on a WebSocket, so the token may come in the
``connection_init`` payload (``{"Authorization": "Bearer …", "purpose": "…",
"caseId": "…"}``) as well as in the handshake's ``Authorization`` header. A
connection without a valid token is closed (4403) and logged UNAUTHENTICATED.

Only subscriptions run over it (queries and mutations go over ``POST /graphql``,
rate limited like any request), and each one started spends a request of the
client's rate-limit budget. Each operation on a connection runs with its own
copy of the connection's context (its own policy decisions and DataLoaders) and its
own event: the subscription's start is logged by the subscription itself
(``resolvers.live``), its end here, when
the operation completes, fails or the client goes away. Over Server-Sent Events
the request's own event is the end (``web.audit`` writes it when the stream closes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from typing import Any

from graphql import GraphQLError
from limits.errors import StorageError
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws import handlers
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from xietong.audit.events import DRAFT_KEY, AuditDraft, AuditOutcome
from xietong.audit.log import now
from xietong.audit.recorder import outcome
from xietong.auth.identity_errors import InvalidTokenError
from xietong.auth.principal import Principal
from xietong.auth.schema_policy import Decisions
from xietong.domain.departments import Department
from xietong.hub.rate_limits import Budget
from xietong.kernel.errors import ErrorCode
from xietong.resolvers.context import HubContext
from xietong.schema.operation import with_code
from xietong.web.graphql_http import RequestProblem
from xietong.web.metrics import RATE_LIMIT_REFUSALS
from xietong.web.purpose import logged, stated
from xietong.web.rate_limit import client_key

log = logging.getLogger("xietong.live")

NOBODY = Principal(client_id="", subject="", department=Department.AUDIT, roles=(), region="")
"""The principal of a WebSocket whose token is still to come (``connection_init``):
it has no role, and no operation runs before the token replaces it."""


def _stream_closed(error: Exception) -> bool:
    """strawberry closed the socket instead of completing the operation (a document
    that does not parse): nothing more to send. Its exception is private; a test
    sending such a document breaks here on an upgrade that renames it."""
    closed: type[Exception] = handlers._OperationStreamClosed
    return isinstance(error, closed)


class HubTransportWSHandler(BaseGraphQLTransportWSHandler[HubContext, None]):
    async def run_operation(self, operation: Operation[HubContext, None]) -> None:
        context, draft = _operation_context(self.context)
        started = time.perf_counter()
        try:
            if refusal := await _over_budget(context):
                draft.outcome = AuditOutcome.DENIED
                draft.operation_type = "subscription"
                draft.error_codes = [ErrorCode.RATE_LIMITED.value]
                await operation.send_initial_errors([refusal])
                return
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
                # Queries and mutations go over POST /graphql, rate limited like any.
                allowed_operation_types=(OperationType.SUBSCRIPTION,),
            )
            noted = _noting_errors(result_source, draft)
            async with contextlib.aclosing(noted):
                await self._send_result_stream(operation, noted)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except GraphQLError as error:
            # A document the parser refused, raised rather than answered: an error
            # message for this operation, as for any refusal before execution.
            coded = with_code(error, None, operation.query)
            draft.outcome = AuditOutcome.ERROR
            draft.error_codes = [str((coded.extensions or {}).get("code"))]
            await operation.send_initial_errors([coded])
        except Exception as error:
            if _stream_closed(error):
                return
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            await _log_end(context, draft, started)


async def _noting_errors(source: StreamResult, draft: AuditDraft) -> StreamResult:
    """The results as they come; the first with errors sets the event's outcome (a
    refused subscription ends there, before the recorder sees the operation end)."""
    async with contextlib.aclosing(source):
        async for result in source:
            errors = None
            if isinstance(result, ExecutionResult) and result.errors:
                errors = result.errors = [_subscriptions_only(error) for error in result.errors]
            if errors and draft.outcome is None:
                draft.outcome = outcome(getattr(result, "data", None), errors)
                draft.error_codes = sorted({str((e.extensions or {}).get("code")) for e in errors})
            yield result


async def _over_budget(context: HubContext) -> GraphQLError | None:
    """Each subscription started spends a request of the client's budget, as a POST
    does (``web.rate_limit``): a client cannot subscribe and unsubscribe unchecked
    on a connection it keeps open. The refusal, if over."""
    key = client_key(context.principal, context.request.scope)
    try:
        wait = await context.hub.rate_limiter.admit(key, Budget.REQUESTS)
    except StorageError as error:
        log.error("rate-limit store failed (%s); letting %s subscribe", error, key)
        return None
    if wait is None:
        return None
    RATE_LIMIT_REFUSALS.labels(Budget.REQUESTS.value).inc()
    seconds = int(wait)
    return GraphQLError(
        f"too many requests from {key}; retry in {seconds} s",
        extensions={"code": ErrorCode.RATE_LIMITED.value, "retryAfter": seconds},
    )


def _subscriptions_only(error: GraphQLError) -> GraphQLError:
    if not isinstance(error.original_error, InvalidOperationTypeError):
        return error
    return GraphQLError(
        "only subscriptions run over WebSocket; send queries and mutations to POST /graphql",
        extensions={"code": ErrorCode.BAD_REQUEST.value},
    )


def _operation_context(shared: HubContext) -> tuple[HubContext, AuditDraft]:
    draft = AuditDraft(started_at=now())
    scope = {**shared.request.scope, "state": {DRAFT_KEY: draft}}
    socket = shared.request
    assert isinstance(socket, WebSocket), "the connection's context holds its WebSocket"
    own = WebSocket(scope, socket.receive, socket.send)
    context = dataclasses.replace(shared, request=own, decisions=Decisions(), _loaders=None)
    return context, draft


async def _log_end(context: HubContext, draft: AuditDraft, started: float) -> None:
    if draft.written:
        return  # a write's event was committed with it
    principal = context.principal
    draft.client_id = principal.client_id
    draft.subject = principal.subject
    draft.department = principal.department.value
    draft.roles = list(principal.roles)
    draft.region = principal.region
    draft.purpose = context.purpose
    draft.case_id = context.case_id
    draft.outcome = draft.outcome or AuditOutcome.OK
    try:
        await context.hub.audit_log.append(
            draft,
            at=draft.started_at or now(),
            duration_ms=(time.perf_counter() - started) * 1000,
        )
    except Exception:
        log.exception("access log write failed for a subscription's end")


async def authenticate(context: HubContext) -> None:
    """``connection_init``: take the token (unless the handshake carried one), the
    purpose and the case id; ``ConnectionRejectionError`` (4403) otherwise."""
    params: dict[str, Any] = dict(context.connection_params or {})
    if context.principal is NOBODY:
        header = params.get("Authorization") or params.get("authorization")
        scheme, _, token = str(header or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await _refused(context, "connection_init carries no 'Authorization: Bearer …'")
        try:
            context.principal = await context.hub.tokens.verifier.verify(token.strip())
        except InvalidTokenError as error:
            await _refused(context, str(error) or "the bearer token was refused")
    if context.principal.trusted_documents_only:
        await _refused(context, "this client may run registered documents only, over HTTP")
    try:
        statement = stated(context.request.headers, params)
    except RequestProblem as problem:
        await _refused(context, str(problem))
    context.purpose = statement.purpose
    context.case_id = statement.case_id


async def _refused(context: HubContext, reason: str) -> None:
    draft = AuditDraft(started_at=now(), outcome=AuditOutcome.UNAUTHENTICATED)
    if context.principal is not NOBODY:
        draft.client_id = context.principal.client_id
        draft.outcome = AuditOutcome.DENIED
    statement = logged(context.request.headers, dict(context.connection_params or {}))
    draft.purpose, draft.case_id = statement.purpose, statement.case_id
    draft.operation_type = "subscription"
    draft.error_codes = ["UNAUTHENTICATED" if context.principal is NOBODY else "FORBIDDEN"]
    await context.hub.audit_log.append(draft, at=draft.started_at or now(), duration_ms=0.0)
    log.info("WebSocket refused: %s", reason)
    raise ConnectionRejectionError({"message": reason})
