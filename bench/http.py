"""The hub over real HTTP: ``xietong serve --workers 2``, 16 concurrent clients.

``rps_single``: joint records of one institution (every section, a different
institution each time, no source cache) answered per second. ``p99_single_ms``:
their 99th-percentile latency. Baseline: ``/healthz`` on the same server under the
same load, which is what this machine's HTTP stack and load generator can do at all.

What the hub itself costs, from the serving processes' CPU time (the departments
run in another process, so their work is not counted): ``hub_cpu_ms_single`` per
joint record, ``hub_cpu_ms_page`` per page of 100, and ``hub_rps_per_core``, joint
records answered per second of hub CPU. Baseline: the same for ``/healthz``.

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
import psutil

from bench.joint_record import PAGE, SINGLE
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
    cpu_seconds: float
    """CPU time the serving processes spent while the counted requests ran."""

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.requests

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
        with served(folder, env) as (url, process):
            hub = psutil.Process(process.pid)
            codes = asyncio.run(_credit_codes(url, tokens))
            single = asyncio.run(_single_load(url, hub, tokens, codes, seconds))
            page = asyncio.run(_page_load(url, hub, tokens, seconds))
            healthz = asyncio.run(_healthz_load(url, hub, seconds))
    where = f"{WORKERS} workers, {CONCURRENCY} clients, hub store on {kind}"
    return [
        figure("hub_cpu_ms_single", single.cpu_ms, baseline=healthz.cpu_ms, target="<= 3")
        + "  (baseline /healthz)",
        figure("hub_cpu_ms_page", page.cpu_ms, baseline=healthz.cpu_ms, target="<= 40")
        + f"  (a page of 100, {WORKERS} clients, {page.requests} pages; baseline /healthz)",
        figure(
            "hub_rps_per_core",
            single.requests / single.cpu_seconds,
            baseline=healthz.requests / healthz.cpu_seconds,
            target="as high as it goes; Apollo Router ~170, Hive Router ~1,000",
        )
        + "  (joint records per second of hub CPU; baseline /healthz)",
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


async def _single_load(
    url: str, hub: psutil.Process, token: str, codes: list[str], seconds: float
) -> Load:
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

    return await _load(url, hub, one, seconds)


async def _page_load(url: str, hub: psutil.Process, token: str, seconds: float) -> Load:
    headers = _headers(token)

    async def one(http: httpx.AsyncClient) -> None:
        response = await http.post("/graphql", json={"query": PAGE}, headers=headers)
        if response.status_code != 200 or "errors" in response.json():
            raise RuntimeError(f"the page failed: {response.text[:300]}")

    return await _load(url, hub, one, seconds, concurrency=WORKERS)


async def _healthz_load(url: str, hub: psutil.Process, seconds: float) -> Load:
    async def one(http: httpx.AsyncClient) -> None:
        (await http.get("/healthz")).raise_for_status()

    return await _load(url, hub, one, seconds)


def _cpu_seconds(hub: psutil.Process) -> float:
    """User and system CPU of ``xietong serve`` and its workers so far."""
    total = 0.0
    for process in (hub, *hub.children(recursive=True)):
        times = process.cpu_times()
        total += times.user + times.system
    return total


async def _load(
    url: str,
    hub: psutil.Process,
    ask: Ask,
    seconds: float,
    *,
    warmup: float = 1.0,
    concurrency: int = CONCURRENCY,
) -> Load:
    """``concurrency`` clients on keep-alive connections, each asking as fast as
    answers come, for ``warmup`` then ``seconds``; only the latter is counted, in
    requests and in the serving processes' CPU (requests still running when the
    clock starts or stops are a few among hundreds)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        counting_from = started + warmup
        stop = counting_from + seconds

        cpu_from = cpu_to = 0.0

        async def client() -> None:
            while (now := time.perf_counter()) < stop:
                await ask(http)
                if now >= counting_from:
                    latencies.append((time.perf_counter() - now) * 1000)

        async def meter() -> None:
            nonlocal cpu_from, cpu_to
            await asyncio.sleep(counting_from - time.perf_counter())
            cpu_from = _cpu_seconds(hub)
            await asyncio.sleep(stop - time.perf_counter())
            cpu_to = _cpu_seconds(hub)

        await asyncio.gather(meter(), *(client() for _ in range(concurrency)))
    return Load(len(latencies), seconds, latencies, cpu_to - cpu_from)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
