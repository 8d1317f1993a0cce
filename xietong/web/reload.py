"""The policy and the sources file, reloaded while the hub serves: on SIGHUP, and
when either file changes (each worker looks every ``XIETONG_RELOAD_SECONDS``).

A new file is checked as at start-up first: the policy against the schema, the
sources file's entries and formats (and the sources ``XIETONG_REQUIRED_SOURCES``
names). Only a file that passes replaces the one in force; a file that does not is
logged (ERROR, what is wrong and where) and the one in force stays. Either way the
reload is an access-log event (operation type ``reload``, name ``policy`` or
``sources``, the file and its SHA-256 in ``variables``, outcome OK or ERROR): who
sees what changed, and the log says when.

Requests under way finish with what they started with; the sources replaced are
closed once their longest timeout has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from xietong.adapters.config import load_sources
from xietong.adapters.sources.registry import SourceRegistry
from xietong.audit.events import AuditDraft, AuditOutcome
from xietong.audit.log import now
from xietong.hub.services import Hub
from xietong.kernel.errors import ConfigError
from xietong.schema.root import guarded_schema
from xietong.web.graphql import HubGraphQL

log = logging.getLogger("xietong.reload")


class CurrentGraphQL:
    """The ``/graphql`` endpoint in force: a reloaded policy replaces it whole (the
    schema's guards are bound to the policy), between two requests."""

    def __init__(self, endpoint: HubGraphQL) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.endpoint(scope, receive, send)


@dataclass(slots=True)
class _Watched:
    kind: str
    path: Path
    digest: str | None


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Reloader:
    def __init__(self, app: Starlette, hub: Hub, graphql: CurrentGraphQL) -> None:
        self.app = app
        self.hub = hub
        self.graphql = graphql
        settings = hub.settings
        self.every = settings.reload_seconds
        self.watched = [
            _Watched("policy", settings.policy_file, _digest(settings.policy_file)),
            _Watched("sources", settings.sources_file, _digest(settings.sources_file)),
        ]
        self._asked = asyncio.Event()
        self._closing: set[asyncio.Task[None]] = set()

    def ask(self) -> None:
        """Look at the files now (SIGHUP)."""
        self._asked.set()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._asked.wait(), self.every or None)
            self._asked.clear()
            await self.check()

    async def check(self) -> list[AuditOutcome]:
        """Reload each file whose content changed; the outcome of each reload."""
        outcomes = []
        for watched in self.watched:
            digest = _digest(watched.path)
            if digest == watched.digest:
                continue
            # A refused file is not tried again until it changes again.
            watched.digest = digest
            outcomes.append(await self._reload(watched, digest))
        return outcomes

    async def _reload(self, watched: _Watched, digest: str | None) -> AuditOutcome:
        started = time.perf_counter()
        error: str | None = None
        try:
            if watched.kind == "policy":
                await self._reload_policy(watched.path)
            else:
                await self._reload_sources(watched.path)
        except ConfigError as refused:
            error = str(refused)
            log.error(
                "%s file %s not reloaded, the one in force stays: %s",
                watched.kind,
                watched.path,
                error,
                extra={"file": str(watched.path), "sha256": digest},
            )
        else:
            log.warning(
                "%s file %s reloaded",
                watched.kind,
                watched.path,
                extra={"file": str(watched.path), "sha256": digest},
            )
        outcome = AuditOutcome.OK if error is None else AuditOutcome.ERROR
        draft = AuditDraft(
            operation_type="reload",
            operation_name=watched.kind,
            variables={
                "file": str(watched.path),
                "sha256": digest,
                "worker": os.getpid(),
                **({"error": error} if error else {}),
            },
            outcome=outcome,
        )
        await self.hub.audit_log.append(
            draft, at=now(), duration_ms=(time.perf_counter() - started) * 1000
        )
        return outcome

    async def _reload_policy(self, path: Path) -> None:
        limits = self.hub.settings.query_limits
        federation_name = self.hub.settings.federation_name

        def build() -> HubGraphQL:
            schema, policy = guarded_schema(limits, federation_name, path)
            return HubGraphQL(schema, policy=policy)

        endpoint = await asyncio.to_thread(build)
        self.graphql.endpoint = endpoint
        self.app.state.schema = endpoint.schema
        self.app.state.policy = endpoint.policy

    async def _reload_sources(self, path: Path) -> None:
        configs = load_sources(path)
        replaced = await self.hub.replace_sources(configs)
        task = asyncio.create_task(_close_later(replaced))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        for task in list(self._closing):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _close_later(sources: SourceRegistry) -> None:
    """Close replaced sources once no call that started on them can still be running."""
    try:
        await asyncio.sleep(max((source.config.timeout for source in sources), default=0) + 1)
    finally:
        await sources.close()


@contextlib.asynccontextmanager
async def reloading(reloader: Reloader) -> AsyncIterator[None]:
    """Run ``reloader`` while the app serves; SIGHUP asks it to look now."""
    task = asyncio.create_task(reloader.run())
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, reloader.ask)
        hup = True
    except (RuntimeError, ValueError):  # not the main thread: a test's, say
        hup = False
    try:
        yield
    finally:
        if hup:
            loop.remove_signal_handler(signal.SIGHUP)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await reloader.close()
