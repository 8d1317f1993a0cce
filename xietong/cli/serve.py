"""Running the hub under uvicorn: start-up checks, one or several worker processes."""

from __future__ import annotations

import logging

import uvicorn
from starlette.applications import Starlette

from xietong.cli.runtime import tune_garbage_collector
from xietong.hub.services import Hub
from xietong.kernel.errors import ConfigError
from xietong.kernel.migrate import current_revision, head_revision
from xietong.kernel.settings import Settings
from xietong.web.app import create_app
from xietong.web.logs import log_config

log = logging.getLogger("xietong.startup")


async def check_startup(settings: Settings) -> None:
    """Everything that would stop a worker, checked once before serving.

    Only here is a mistake fatal: a worker (re)started later waits for a store that
    does not answer (``xietong.web.app``). Redis is not required: without it each
    worker counts its own rate limits until it answers.
    """
    hub = await Hub.open(settings)
    try:
        create_app(settings, hub=hub)  # loads the policy and checks it against the schema
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
    app = create_app(Settings.from_env())
    tune_garbage_collector()
    return app


def serve_workers(*, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "xietong.cli.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config("info"),
        proxy_headers=True,
    )
