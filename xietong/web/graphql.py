"""Strawberry on Starlette: the context each request gets, a bearer token for every
request but GraphiQL's page, and GraphQL over HTTP as the spec asks (media types,
status codes, coded errors for malformed requests; see ``xietong.graphql_http``)."""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from xietong.audit.events import AuditOutcome, draft_of
from xietong.auth.backend import principal_of, unauthenticated_response
from xietong.auth.policy import Policy
from xietong.kernel.errors import ErrorCode
from xietong.resolvers.context import HubContext
from xietong.web.graphiql import graphiql_response
from xietong.web.graphql_http import (
    JSON,
    MAX_BODY_BYTES,
    BodyTooLargeError,
    RequestProblem,
    limited_receive,
    negotiate,
    problem_response,
    response_status,
)
from xietong.web.live import NOBODY, HubTransportWSHandler, authenticate
from xietong.web.purpose import (
    BODY,
    STATEMENT_KEY,
    RequestBody,
    Statement,
    check_operation_name,
    stated,
)
from xietong.web.trusted_documents import DOCUMENT_ID_PARAMETER, settle_document

MEDIA_TYPE_KEY = "graphql_media_type"
_STANDARD_TYPES_ONLY = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
"""What orjson would encode and ``json`` would not is left to ``json`` (to refuse)."""
EVENT_STREAM = "text/event-stream"


class HubGraphQL(GraphQL[HubContext, None]):
    """The GraphQL endpoint: GraphiQL for browsers, a bearer token for everything else;
    subscriptions over ``graphql-transport-ws`` and GraphQL over SSE (``Accept:
    text/event-stream``)."""

    graphql_transport_ws_handler_class = HubTransportWSHandler

    def __init__(self, schema: BaseSchema, *, policy: Policy) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
        )
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, limited_receive(receive))
        accept = request.headers.get("accept") or ""
        # A stream's own errors are JSON events; the refusals before it, JSON.
        media_type = JSON if EVENT_STREAM in accept.lower() else negotiate(accept)
        try:
            response = await self._answer(request, media_type)
        except RequestProblem as problem:
            response = self._refuse(scope, problem, media_type)
        await response(scope, receive, send)

    async def _answer(self, request: Request, media_type: str | None) -> Response:
        if _wants_ide(request):
            return await self.render_graphql_ide(request)
        if principal_of(request.scope) is None:
            return unauthenticated_response(
                "a bearer access token is required", invalid_token=False
            )
        if media_type is None:
            raise RequestProblem(
                406, f"cannot answer in any type the Accept header allows; use {JSON}"
            )
        request.scope.setdefault("state", {})[MEDIA_TYPE_KEY] = media_type
        BODY.set(None)
        _CONTEXT.set(None)
        _DOCUMENT_ID.set(None)
        try:
            return await self.run(request)
        except BodyTooLargeError:
            raise RequestProblem(
                413, f"the request body is over {MAX_BODY_BYTES // 1024} KiB"
            ) from None
        except HTTPException as error:
            raise _problem_of(error, request.method) from None

    def _refuse(self, scope: Scope, problem: RequestProblem, media_type: str | None) -> Response:
        draft = draft_of(scope)
        if draft is not None:
            draft.outcome = AuditOutcome.DENIED if problem.denied else AuditOutcome.ERROR
            draft.error_codes = [problem.code.value]
        return problem_response(problem, media_type)

    def should_render_graphql_ide(self, request: Any) -> bool:
        return False  # decided in __call__, before the token is asked for

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_response()

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            _check_content_type(request.content_type)
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            await self._settle_document(data)
            if data.operation_name is not None and not isinstance(data.operation_name, str):
                raise RequestProblem(400, "operationName must be a string or null")
            if not data.query:
                raise RequestProblem(400, "the request has no query (a GraphQL document)")
            extensions = data.extensions if isinstance(data.extensions, dict) else None
            BODY.set(RequestBody(extensions, data.operation_name))
            check_operation_name(data.operation_name)
            context = _CONTEXT.get()
            if extensions and context is not None:
                # strawberry makes the context before it reads the body; until the
                # body's statement is taken, the log reads it afresh (cut to limits).
                scope = context.request.scope
                scope["state"].pop(STATEMENT_KEY, None)
                record_statement(scope, stated(request.headers, extensions), context)
        return data

    async def _settle_document(self, data: GraphQLRequestData) -> None:
        context = _CONTEXT.get()
        if context is None:  # get_context refuses a request without a principal first
            raise RequestProblem(
                401, "a bearer access token is required", code=ErrorCode.UNAUTHENTICATED
            )
        await settle_document(
            data,
            _DOCUMENT_ID.get(),
            principal=context.principal,
            documents=context.hub.tokens.documents,
            scope=context.request.scope,
        )

    def parse_json(self, data: str | bytes) -> Any:
        value = self.decode_json(data)
        # Bytes are a POST body (query parameters arrive as text): it must be an
        # object, or strawberry takes it apart as one.
        if isinstance(data, bytes) and not isinstance(value, dict | list):
            raise RequestProblem(400, "the request body must be a JSON object")
        if isinstance(data, bytes) and isinstance(value, dict):
            _DOCUMENT_ID.set(value.get(DOCUMENT_ID_PARAMETER))
        return value

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        parsed: dict[str, Any] = super().parse_query_params(params)
        _DOCUMENT_ID.set(parsed.get(DOCUMENT_ID_PARAMETER))
        return parsed

    def encode_json(self, data: object) -> str:
        """The answer as compact JSON. A value orjson refuses (a lone surrogate, an
        integer past 64 bits) is encoded as the standard library does it.

        Text, not bytes: strawberry sends bytes over a WebSocket as a binary frame,
        which graphql-transport-ws clients (GraphiQL's) cannot read.
        """
        try:
            return orjson.dumps(data, option=_STANDARD_TYPES_ONLY).decode()
        except orjson.JSONEncodeError:
            encoded = super().encode_json(data)
            return encoded.decode() if isinstance(encoded, bytes) else encoded

    def decode_json(self, data: str | bytes) -> object:
        """Strict: UTF-8 only, no NaN or Infinity; anything else is a 400, even
        what makes ``json`` itself fail (too deep, integers too long)."""
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            return json.loads(text, parse_constant=_no_constants)
        except (ValueError, RecursionError) as error:
            reason = "not UTF-8" if isinstance(error, UnicodeDecodeError) else "not valid JSON"
            raise RequestProblem(400, f"the request is {reason}") from None

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = request.scope.get("state", {}).get(MEDIA_TYPE_KEY, JSON)
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """No ``data`` entry when the request failed before execution."""
        errors = result.errors or []
        body = process_result(result)
        if result.data is None and errors and not any(error.path for error in errors):
            body.pop("data", None)
        _record_unrecorded(request.scope, errors)
        return body

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status = (
            response_status(response_data, media_type) if isinstance(response_data, dict) else 200
        )
        response = Response(
            self.encode_json(response_data),
            status_code=status,
            media_type=f"{media_type}; charset=utf-8",
        )
        response.headers.raw.extend(
            (name, value) for name, value in sub_response.headers.raw if name != b"content-type"
        )
        return response

    async def on_ws_connect(self, context: HubContext) -> UnsetType | dict[str, object] | None:
        await authenticate(context)
        return await super().on_ws_connect(context)

    async def get_context(self, request: Any, response: Any) -> HubContext:
        principal = principal_of(request.scope)
        if principal is None and isinstance(request, WebSocket):
            # Its token may come with connection_init (see ``web.live``).
            return HubContext(
                request=request, hub=request.app.state.hub, policy=self.policy, principal=NOBODY
            )
        if principal is None:
            # Unreachable through ``__call__``, which answers 401 first; a guard, so a
            # resolver never runs for nobody.
            raise RequestProblem(
                401, "a bearer access token is required", code=ErrorCode.UNAUTHENTICATED
            )
        context = HubContext(
            request=request,
            hub=request.app.state.hub,
            policy=self.policy,
            principal=principal,
        )
        record_statement(request.scope, stated(request.headers), context)
        _CONTEXT.set(context)
        return context


_CONTEXT: ContextVar[HubContext | None] = ContextVar("xietong_graphql_context", default=None)
"""This request's context, for the body parser that strawberry calls after making it."""
_DOCUMENT_ID: ContextVar[object] = ContextVar("xietong_document_id", default=None)
"""The ``documentId`` the request named, if any, as it came (checked when settled)."""


def record_statement(scope: Scope, statement: Statement, context: HubContext) -> None:
    """The purpose and case id, for the policy (context) and the access log (scope)."""
    scope.setdefault("state", {})[STATEMENT_KEY] = statement
    context.purpose = statement.purpose
    context.case_id = statement.case_id


def _wants_ide(request: Request) -> bool:
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and not request.query_params
    )


def _check_content_type(content_type: str | None) -> None:
    """POST bodies are JSON in UTF-8 (415 otherwise, so the client knows to fix it)."""
    kind, _, parameters = (content_type or "").partition(";")
    charset = ""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if kind.strip().lower() != JSON or charset not in {"", "utf-8", "utf8"}:
        raise RequestProblem(
            415,
            f"POST a JSON body with Content-Type: {JSON} (UTF-8), not {content_type or 'none'}",
        )


def _problem_of(error: HTTPException, method: str) -> RequestProblem:
    """strawberry's refusals (plain text there) as coded ones."""
    cause = error.__cause__
    if (
        isinstance(cause, InvalidOperationTypeError)
        and cause.operation_type is OperationType.SUBSCRIPTION
    ):
        return RequestProblem(
            400,
            "a subscription streams: POST it with Accept: text/event-stream, "
            "or subscribe over graphql-transport-ws at this address",
            code=ErrorCode.BAD_REQUEST,
        )
    if isinstance(cause, InvalidOperationTypeError) and method == "GET":
        return RequestProblem(
            405, "mutations are only accepted over POST", headers={"Allow": "POST"}
        )
    if error.status_code == 405:
        return RequestProblem(405, "use GET or POST", headers={"Allow": "GET, POST"})
    if isinstance(cause, CannotGetOperationTypeError):
        return RequestProblem(400, error.reason, graphql_request_error=True)
    return RequestProblem(400 if error.status_code < 500 else 500, error.reason)


def _record_unrecorded(scope: Scope, errors: list[GraphQLError]) -> None:
    """Errors raised where the operation recorder never saw them still mark the event."""
    draft = draft_of(scope)
    if draft is None or draft.outcome is not None or not errors:
        return
    draft.outcome = AuditOutcome.ERROR
    draft.error_codes = sorted({str((e.extensions or {}).get("code")) for e in errors})


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
