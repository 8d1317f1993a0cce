"""Running the hub under uvicorn: start-up checks, one or several worker processes."""

from __future__ import annotations

import logging

import uvicorn
from starlette.applications import Starlette

from xietong.cli.runtime import tune_garbage_collector
from xietong.console.app import create_hub_app
from xietong.hub.services import Hub
from xietong.kernel.errors import ConfigError
from xietong.kernel.migrate import current_revision, head_revision
from xietong.kernel.settings import Settings
from xietong.web.logs import log_config
from xietong.web.tracing import configure_tracing

log = logging.getLogger("xietong.startup")


async def check_startup(settings: Settings, *, workers: int = 1) -> None:
    """Everything that would stop a worker, checked once before serving.

    Only here is a mistake fatal: a worker (re)started later waits for a store that
    does not answer (``xietong.web.app``). Redis is not required: without it each
    worker counts its own rate limits until it answers.
    """
    if settings.metrics_port is not None and workers > 1:
        raise ConfigError(
            f"XIETONG_METRICS_PORT={settings.metrics_port} needs --workers 1: each worker "
            "counts its own metrics, and only one can listen on the port (leave it unset "
            "to read each worker's at /metrics)"
        )
    configure_tracing(settings)  # here only to check it; each worker sets up its own
    hub = await Hub.open(settings)
    try:
        create_hub_app(settings, hub=hub)  # loads the policy and checks it against the schema
        try:
            await hub.rate_limiter.check()
        except ConfigError as error:
            log.warning("%s: each worker counts its own rate limits until it answers", error)
    finally:
        await hub.close()
    if current_revision(settings.database_url) != head_revision():
        raise ConfigError(
            f"hub database {settings.database_url} is not migrated (run `xietong migrate`)"
        )


def app_from_env() -> Starlette:
    """The uvicorn factory each worker process calls."""
    settings = Settings.from_env()
    configure_tracing(settings)
    app = create_hub_app(settings)
    tune_garbage_collector()
    return app


def serve_workers(*, host: str, port: int, workers: int, log_level: str = "INFO") -> None:
    uvicorn.run(
        "xietong.cli.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(log_level),
        proxy_headers=True,
    )
