"""Strawberry on Starlette: the context each request gets, and error codes on every error."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from auth.backend import unauthenticated_response
from auth.policy import Policy
from auth.principal import Principal
from resolvers.context import HubContext


def principal_of(scope: Scope) -> Principal | None:
    """The principal the authentication middleware put on the request, if any."""
    principal = getattr(scope.get("user"), "principal", None)
    return principal if isinstance(principal, Principal) else None


class HubGraphQL(GraphQL[HubContext, None]):
    """The GraphQL endpoint: GraphiQL for browsers, a bearer token for everything else."""

    def __init__(self, schema: BaseSchema, *, policy: Policy) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and principal_of(scope) is None:
            request = Request(scope, receive)
            if not (request.method == "GET" and self._wants_ide(request)):
                response = unauthenticated_response(
                    "a bearer access token is required", invalid_token=False
                )
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


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    return value or None
