"""Running the sandbox's HTTP services: in the demo's event loop, or in a thread.

>>> servers = sandbox_servers(Path(".xietong"), "127.0.0.1", SandboxPorts())
>>> await serve_together([hub_server, *servers])   # one loop, one Ctrl+C

``serve_in_thread`` (``serve_in_threads`` for several) runs any ASGI app on a free
local port for tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.services import bank_app, market_app, police_app


@dataclass(frozen=True, slots=True)
class SandboxPorts:
    market: int = 8101
    police: int = 8102
    bank: int = 8103
    """Songdu Bank's API (the HTTP one of the two supervising banks)."""


STAND_IN: dict[str, Any] = {"loop": "asyncio", "http": "h11"}
"""The stand-ins for department systems serve as plain as they always have, whatever
the hub serves with (uvloop and httptools): h11 also hands an app the request
target as sent, a forward proxy's absolute URL included."""


def sandbox_servers(
    data_dir: Path,
    host: str = "127.0.0.1",
    ports: SandboxPorts | None = None,
    *,
    delay_ms: float | None = None,
    log_level: str = "warning",
) -> list[uvicorn.Server]:
    """Configured, not yet started servers: market, police, bank (in that order)."""
    ports = ports or SandboxPorts()
    files = sandbox_files(data_dir)
    apps = (
        (market_app(files.market, delay_ms=delay_ms), ports.market),
        (police_app(files.police, delay_ms=delay_ms), ports.police),
        (bank_app(files.bank_http, delay_ms=delay_ms), ports.bank),
    )
    return [
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level, **STAND_IN))
        for app, port in apps
    ]


async def serve_together(servers: Sequence[uvicorn.Server]) -> None:
    """Serve until any one of them stops, then stop them all: each server installs
    its own SIGINT/SIGTERM handler and only the last one installed hears Ctrl+C."""

    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)


async def serve_sandbox(
    data_dir: Path,
    host: str = "127.0.0.1",
    ports: SandboxPorts | None = None,
    *,
    delay_ms: float | None = None,
) -> None:
    """Serve the market, police and bank services until interrupted."""
    await serve_together(sandbox_servers(data_dir, host, ports, delay_ms=delay_ms))


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` over real HTTP on a free port in a background thread;
    yields its base URL (``http://127.0.0.1:PORT``) and stops it on exit."""
    with serve_in_threads([app], host) as (url,):
        yield url


@contextmanager
def serve_in_threads(apps: Sequence[ASGIApp], host: str = "127.0.0.1") -> Iterator[list[str]]:
    """``serve_in_thread`` for several apps at once: their base URLs, in order. They
    are told to stop together, so stopping costs one shutdown, not one per app."""
    servers: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []
    try:
        for app in apps:
            # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say
            # so, and without it every response waits out Nagle and delayed ACKs (~40 ms).
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))  # the kernel picks the port: no race with other tests
            server = uvicorn.Server(
                uvicorn.Config(app, log_level="warning", lifespan="on", **STAND_IN)
            )
            thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
            servers.append((server, thread, sock))
            thread.start()
        deadline = time.monotonic() + 10
        for server, thread, sock in servers:
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start on {sock.getsockname()}")
                time.sleep(0.01)
        yield [f"http://{host}:{sock.getsockname()[1]}" for _, _, sock in servers]
    finally:
        for server, _, _ in servers:
            server.should_exit = True
        for _, thread, sock in servers:
            thread.join(timeout=10)
            sock.close()
