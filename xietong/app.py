"""The app factory: Starlette wired by constructor arguments, strawberry at /graphql."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Scope

from auth.audit.log import AuditLog
from auth.audit.middleware import AuditMiddleware
from auth.policy import load_policy
from schema.root import apply_policy, build_schema
from xietong.graphql_app import HubGraphQL
from xietong.health import healthz, readyz
from xietong.hub import Hub
from xietong.metrics import MetricsMiddleware, metrics_endpoint
from xietong.settings import Settings


def _audit_log_of(scope: Scope) -> AuditLog:
    log: AuditLog = scope["app"].state.hub.audit_log
    return log


def create_app(settings: Settings, *, hub: Hub | None = None) -> Starlette:
    """Build the hub's ASGI app.

    With ``hub`` given (already opened by the caller, as ``xietong serve`` does to
    report configuration errors before serving) the app uses it and leaves closing
    it to the caller; otherwise the lifespan opens and closes its own.

    >>> app = create_app(Settings.from_env())  # doctest: +SKIP
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if hub is not None:
            app.state.hub = hub
            yield
            return
        opened = await Hub.open(settings)
        app.state.hub = opened
        try:
            yield
        finally:
            await opened.close()

    schema = build_schema()
    policy = apply_policy(schema, load_policy(settings.policy_file))
    graphql = HubGraphQL(schema, policy=policy)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        middleware=[
            Middleware(MetricsMiddleware),
            Middleware(AuditMiddleware, audit_log_of=_audit_log_of, paths=["/graphql"]),
        ],
        lifespan=lifespan,
    )
    if hub is not None:
        app.state.hub = hub
    return app
