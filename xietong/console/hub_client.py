"""The console's GraphQL client: every page's data comes from ``/graphql``.

Requests go through the hub's whole ASGI stack (authentication, rate limit, access
log, policy, masks, scope) in-process, with the officer's bearer token and the
task's purpose and case id in ``extensions`` (UTF-8, DESIGN §8): the console is a
client of the hub, not a second door into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import ASGIApp

GRAPHQL_PATH = "/graphql"


@dataclass(frozen=True, slots=True)
class GraphQLAnswer:
    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200

    def errors_at(self, *path: str | int) -> list[dict[str, Any]]:
        """The errors at ``path`` or below it (e.g. ``("institution", "funds")``)."""
        return [e for e in self.errors if tuple(e.get("path") or ())[: len(path)] == path]

    def codes(self) -> set[str]:
        return {str((e.get("extensions") or {}).get("code")) for e in self.errors}


class HubClient:
    """Posts GraphQL documents to the hub app this console is mounted in."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.transport = httpx.ASGITransport(app=app)
        self._http = httpx.AsyncClient(
            transport=self.transport,
            base_url=base_url,
            timeout=30.0,
        )

    async def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str,
        purpose: str | None,
        case_id: str | None,
        operation_name: str | None = None,
    ) -> GraphQLAnswer:
        extensions = {
            name: value for name, value in (("purpose", purpose), ("caseId", case_id)) if value
        }
        body: dict[str, Any] = {"query": document, "variables": dict(variables or {})}
        if operation_name:
            body["operationName"] = operation_name
        if extensions:
            body["extensions"] = extensions
        response = await self._http.post(
            GRAPHQL_PATH,
            json=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/graphql-response+json, application/json",
            },
        )
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return GraphQLAnswer(
            data=payload.get("data") or {},
            errors=list(payload.get("errors") or []),
            status=response.status_code,
        )

    async def get(self, path: str) -> httpx.Response:
        return await self._http.get(path)

    async def aclose(self) -> None:
        await self._http.aclose()
