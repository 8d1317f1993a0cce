"""Strawberry on Starlette: the context each request gets, and error codes on every error."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult

from auth.policy import Policy
from auth.principal import Principal
from resolvers.context import HubContext
from schema.scalars import InvalidScalarError
from xietong.errors import ErrorCode

log = logging.getLogger("xietong.graphql")


def principal_of(scope: Scope) -> Principal | None:
    """The principal the authentication middleware put on the request, if any."""
    principal = getattr(scope.get("user"), "principal", None)
    return principal if isinstance(principal, Principal) else None


def unauthenticated_response(description: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": description, "extensions": {"code": ErrorCode.UNAUTHENTICATED}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="xietong"'},
    )


class HubGraphQL(GraphQL[HubContext, None]):
    """The GraphQL endpoint: GraphiQL for browsers, a bearer token for everything else."""

    def __init__(self, schema: BaseSchema, *, policy: Policy) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and principal_of(scope) is None:
            request = Request(scope, receive)
            if not (request.method == "GET" and self._wants_ide(request)):
                response = unauthenticated_response("a bearer access token is required")
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    @staticmethod
    def _wants_ide(request: Request) -> bool:
        return "text/html" in request.headers.get("accept", "") and not request.query_params

    async def get_context(self, request: Any, response: Any) -> HubContext:
        return HubContext(
            request=request,
            hub=request.app.state.hub,
            policy=self.policy,
            principal=principal_of(request.scope),
            purpose=_header(request, "x-purpose"),
            case_id=_header(request, "x-case-id"),
        )

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [_with_code(error) for error in result.errors]
        return process_result(result)


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    return value or None


def _with_code(error: GraphQLError) -> GraphQLError:
    """Give every error a code (DESIGN §10); unexpected ones are masked as INTERNAL."""
    if "code" in (error.extensions or {}):
        return error
    original = error.original_error
    if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
        return _recoded(error, ErrorCode.GRAPHQL_PARSE_FAILED)
    if isinstance(original, InvalidScalarError):
        return _recoded(error, ErrorCode.BAD_USER_INPUT)
    if original is None:
        return _recoded(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)
    correlation_id = uuid.uuid4().hex
    log.error("unexpected error %s at %s", correlation_id, error.path, exc_info=original)
    return GraphQLError(
        f"internal error (correlation id {correlation_id})",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL.value, "correlationId": correlation_id},
    )


def _recoded(error: GraphQLError, code: ErrorCode) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code.value}
    return error
