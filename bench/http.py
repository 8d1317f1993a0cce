"""The hub over real HTTP: ``xietong serve --workers 2``, 16 concurrent clients.

``rps_single``: joint records of one institution (every section, a different
institution each time, no source cache) answered per second. ``p99_single_ms``:
their 99th-percentile latency. Baseline: ``/healthz`` on the same server under the
same load, which is what this machine's HTTP stack and load generator can do at all.

The hub store is PostgreSQL when ``XIETONG_BENCH_POSTGRES_URL`` (default the test
database) answers, SQLite otherwise; the departments are served from another process.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.joint_record import SINGLE
from bench.measure import figure, hub_database
from tests.support.harness import SandboxWorld, hub_harness, sandbox_world
from tests.support.processes import serving
from xietong.kernel.migrate import upgrade

CONCURRENCY = 16
WORKERS = 2
CLIENT = "demo-education"


Ask = Callable[[httpx.AsyncClient], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Load:
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def run(folder: Path, institutions: int, *, quick: bool) -> list[str]:
    """The figures, as ``name: value (baseline ...)`` lines."""
    seconds = 6.0 if quick else 20.0
    with (
        sandbox_world(folder / "http", institutions, cache_ttl=0, separate_process=True) as world,
        hub_database(folder / "http-hub.db") as (database, kind),
    ):
        upgrade(database)
        tokens = asyncio.run(_tokens(database, world))
        env = {
            "XIETONG_DATABASE_URL": database,
            "XIETONG_SOURCES": str(world.sources_file),
            "XIETONG_RATE_LIMIT": "1000000/second",
        }
        with served(folder, env) as (url, _):
            codes = asyncio.run(_credit_codes(url, tokens))
            single = asyncio.run(_single_load(url, tokens, codes, seconds))
            healthz = asyncio.run(_healthz_load(url, seconds))
    where = f"{WORKERS} workers, {CONCURRENCY} clients, hub store on {kind}"
    return [
        figure("rps_single", single.rps, baseline=healthz.rps, target="as high as it goes")
        + f"  ({where}; baseline /healthz rps)",
        figure(
            "p99_single_ms",
            single.percentile(0.99),
            baseline=healthz.percentile(0.99),
            target="as low as it goes",
            unit=" ms",
        )
        + f"  (p50 {single.percentile(0.5):.1f} ms; baseline /healthz p99)",
    ]


async def _tokens(database: str, world: SandboxWorld) -> str:
    """Registers the demo clients; the token outlives the harness (same database)."""
    async with hub_harness(database, world) as harness:
        return await harness.token(CLIENT)


@contextmanager
def served(folder: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``xietong serve --workers 2`` on a free port, and its process; its log goes to
    ``serve.log``."""
    with serving(env, folder, workers=WORKERS) as running:
        yield running.url, running.process


async def _credit_codes(url: str, token: str) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ institutions(first: 200) { edges { node { creditCode } } } }"},
            headers=_headers(token),
        )
    edges = response.json()["data"]["institutions"]["edges"]
    return [edge["node"]["creditCode"] for edge in edges]


async def _single_load(url: str, token: str, codes: list[str], seconds: float) -> Load:
    headers = _headers(token)
    turn = 0

    async def one(http: httpx.AsyncClient) -> None:
        nonlocal turn
        turn += 1
        code = codes[turn % len(codes)]
        response = await http.post(
            "/graphql", json={"query": SINGLE, "variables": {"c": code}}, headers=headers
        )
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise RuntimeError(f"the joint record failed: {response.text[:300]}")

    return await _load(url, one, seconds)


async def _healthz_load(url: str, seconds: float) -> Load:
    async def one(http: httpx.AsyncClient) -> None:
        (await http.get("/healthz")).raise_for_status()

    return await _load(url, one, seconds)


async def _load(url: str, ask: Ask, seconds: float, warmup: float = 1.0) -> Load:
    """``CONCURRENCY`` clients on keep-alive connections, each asking as fast as
    answers come, for ``warmup`` then ``seconds``; only the latter is counted."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        counting_from = started + warmup
        stop = counting_from + seconds

        async def client() -> None:
            while (now := time.perf_counter()) < stop:
                await ask(http)
                if now >= counting_from:
                    latencies.append((time.perf_counter() - now) * 1000)

        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return Load(len(latencies), seconds, latencies)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
