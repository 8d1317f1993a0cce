"""The app factory: Starlette wired by constructor arguments, strawberry at /graphql."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import Scope

from xietong.audit.log import AuditLog
from xietong.auth.authorize_endpoint import AUTHORIZE_ENDPOINT
from xietong.auth.routes import TOKEN_ENDPOINT, authentication_middleware, oauth_routes
from xietong.hub.checkpoints import Checkpointer
from xietong.hub.live_sweep import LiveSweeper
from xietong.hub.rate_limits import Budget, RateLimiter
from xietong.hub.releases import ReleaseResender
from xietong.hub.services import Hub
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings
from xietong.schema.root import guarded_schema
from xietong.web.attachments import PREFIX as ATTACHMENTS_PREFIX
from xietong.web.attachments import Attachments
from xietong.web.audit import AuditMiddleware
from xietong.web.cors import cors_middleware
from xietong.web.error_boundary import ErrorBoundaryMiddleware, internal_error_handler
from xietong.web.graphiql import ASSETS_PATH, GraphiQLFiles
from xietong.web.graphql import HubGraphQL
from xietong.web.health import healthz, readyz
from xietong.web.metrics import METRICS_ROUTE, MetricsMiddleware, metrics_server
from xietong.web.rate_limit import RateLimitMiddleware
from xietong.web.reload import CurrentGraphQL, Reloader, reloading
from xietong.web.request_id import RequestIdMiddleware
from xietong.web.review_results import RESULTS_CSV, ReviewResultsCsv
from xietong.web.tracing import TracingMiddleware

GRAPHQL = "/graphql"
FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 10.0
"""A worker waiting for its store tries again after 0.5 s, 1 s, 2 s ... then every 10 s."""

log = logging.getLogger("xietong.startup")


def _rate_limiter_of(scope: Scope) -> RateLimiter:
    limiter: RateLimiter = scope["app"].state.hub.rate_limiter
    return limiter


def _audit_log_of(scope: Scope) -> AuditLog:
    log: AuditLog = scope["app"].state.hub.audit_log
    return log


@contextlib.asynccontextmanager
async def _checkpointing(hub: Hub) -> AsyncIterator[None]:
    """Sign checkpoints of the access log while the app serves (unless turned off)."""
    checkpointer = Checkpointer(hub.sync_engine, hub.tokens.keys, hub.settings)
    task = asyncio.create_task(checkpointer.run()) if checkpointer.enabled else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def _resending_releases(hub: Hub) -> AsyncIterator[None]:
    """Re-send release instructions left PENDING while the app serves."""
    task = asyncio.create_task(ReleaseResender(hub).run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def _sweeping(hub: Hub) -> AsyncIterator[None]:
    """Look for overdue referrals and risks gone up while the app serves (one
    worker a turn; ``XIETONG_CASE_SWEEP_SECONDS=0`` turns it off)."""
    sweeper = LiveSweeper(hub)
    task = asyncio.create_task(sweeper.run()) if sweeper.enabled else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _wait_for_store(hub: Hub) -> None:
    """Reach the hub database and make sure a signing key exists, retrying with
    backoff for as long as it takes."""
    delay = FIRST_RETRY_SECONDS
    waited = False
    while True:
        try:
            await hub.check()
            await hub.tokens.keys.ensure_signing_key()
        except (ConfigError, DBAPIError, OSError) as error:
            log.warning("start-up: %s; this worker tries again in %.1f s", error, delay)
            waited = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY_SECONDS)
            continue
        if waited:
            log.warning("start-up: the hub database answers again")
        return


@contextlib.asynccontextmanager
async def _serving_own(hub: Hub) -> AsyncIterator[None]:
    """The hub a worker built for itself: waited for, and closed when it stops.

    A worker (re)started while the store is down waits for it, serving meanwhile
    (``/readyz`` says 503, requests fail closed as in any worker that lost its
    store): failing start-up here would make uvicorn stop every worker. The
    configuration was checked once, before the first worker.
    """
    waiting = asyncio.create_task(_wait_for_store(hub))
    try:
        yield
    finally:
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await hub.close()


def create_app(settings: Settings, *, hub: Hub | None = None) -> Starlette:
    """Build the hub's ASGI app.

    With ``hub`` given (already opened by the caller, as tests and ``xietong demo``
    do) the app uses it and leaves closing it to the caller; otherwise it builds
    its own, which the lifespan checks on start-up and closes on shutdown.

    >>> app = create_app(Settings.from_env())  # doctest: +SKIP
    """

    owned = hub is None
    the_hub = Hub.build(settings) if hub is None else hub

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if owned:
                await stack.enter_async_context(_serving_own(the_hub))
            await stack.enter_async_context(_checkpointing(the_hub))
            await stack.enter_async_context(_resending_releases(the_hub))
            await stack.enter_async_context(_sweeping(the_hub))
            if settings.metrics_port is not None:
                stack.enter_context(
                    metrics_server(the_hub, settings.metrics_host, settings.metrics_port)
                )
            app.state.reloader = Reloader(app, the_hub, graphql)
            await stack.enter_async_context(reloading(app.state.reloader))
            yield

    # On a port of its own (``XIETONG_METRICS_PORT``), /metrics is not beside /graphql.
    metrics_routes = [] if settings.metrics_port else [METRICS_ROUTE]
    schema, policy = guarded_schema(
        settings.query_limits, settings.federation_name, settings.policy_file
    )
    graphql = CurrentGraphQL(HubGraphQL(schema, policy=policy))
    app = Starlette(
        routes=[
            # Every method: the endpoint itself answers 405 with a coded error.
            Route(GRAPHQL, graphql),
            WebSocketRoute(GRAPHQL, graphql),  # subscriptions (graphql-transport-ws)
            Mount(ASSETS_PATH, GraphiQLFiles()),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route(RESULTS_CSV, ReviewResultsCsv(graphql).respond, methods=["GET"]),
            *Attachments(graphql).routes(),  # an inspection's files
            *metrics_routes,
            *oauth_routes(the_hub.tokens),
        ],
        middleware=[
            *cors_middleware(settings.cors_origins),
            Middleware(RequestIdMiddleware),
            Middleware(TracingMiddleware),
            Middleware(MetricsMiddleware),
            Middleware(
                AuditMiddleware,
                audit_log_of=_audit_log_of,
                paths=[GRAPHQL, TOKEN_ENDPOINT, AUTHORIZE_ENDPOINT, RESULTS_CSV],
                prefixes=[ATTACHMENTS_PREFIX],
            ),
            # Inside the access log, so that a failed or refused request still has its event.
            Middleware(ErrorBoundaryMiddleware),
            *authentication_middleware(
                the_hub.tokens.verifier,
                rate_limit=Middleware(
                    RateLimitMiddleware,
                    limiter_of=_rate_limiter_of,
                    budgets={
                        GRAPHQL: Budget.REQUESTS,
                        RESULTS_CSV: Budget.REQUESTS,
                        TOKEN_ENDPOINT: Budget.TOKENS,
                        # Password guessing costs the guesser's address its budget.
                        AUTHORIZE_ENDPOINT: Budget.TOKENS,
                    },
                ),
            ),
        ],
        exception_handlers={Exception: internal_error_handler},
        lifespan=lifespan,
    )
    app.state.hub = the_hub
    app.state.schema = schema
    app.state.policy = policy
    return app
