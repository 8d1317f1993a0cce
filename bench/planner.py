"""Cross-agency filters: how long a two-department filter takes, and its memory.

``scan_seconds``: the median time of ``institutions(filter: {fireAcceptance: not
PASSED, coverageBelow: 1}, first: 50)`` through the whole app, with every cache off,
in a process of its own whose peak resident memory is the hub's. The baseline is
the naive answer to the same filter: every institution's joint record loaded
through the adapters and judged in Python; over a sample when there are many,
scaled up to all of them.

``next_page_ms``: the second page of the same filter, its plan kept from the first
(``resolvers.planner.cache``); baseline: the filter planned afresh.
"""

from __future__ import annotations

import asyncio
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bench.measure import timed
from tests.support.harness import HubHarness, SandboxWorld, hub_harness, sandbox_world
from xietong.adapters.catalog import AdapterCatalog
from xietong.cli.runtime import tune_garbage_collector
from xietong.domain.records import FireAcceptanceStatus
from xietong.kernel.migrate import upgrade
from xietong.kernel.settings import DEFAULT_PLAN_TTL
from xietong.planner import FilterCriteria, plan
from xietong.planner.cache import PlanCache

NOT_PASSED = ["FILED", "NOT_FILED", "FAILED", "EXPIRED"]
FILTER = {"fireAcceptance": NOT_PASSED, "coverageBelow": 1}
QUERY = """query ($filter: InstitutionFilter, $after: String) {
  institutions(filter: $filter, first: 50, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { creditCode name region fireSafety { acceptance } funds { coverageRatio } } }
  }
}"""
CLIENT = "demo-auditor"
"""Kaifeng (410200): most of the sandbox's institutions."""
SCOPE = "4102"
PAGE = 500
UNLIMITED = {"XIETONG_RATE_LIMIT": "1000000/second", "XIETONG_PLAN_TTL": "0"}
"""No rate limit, and every question planned afresh (kept plans are measured apart)."""


@dataclass(frozen=True, slots=True)
class Measured:
    p50_s: float
    p99_s: float
    runs: int
    total: int
    steps: list[str]
    peak_mb: float
    next_page_p50_s: float


def scan(folder: Path, institutions: int, *, runs: int, sample: int) -> list[str]:
    """Seed ``institutions``, serve them from another process, and measure."""
    with sandbox_world(folder / "scan", institutions, cache_ttl=0, separate_process=True) as world:
        databases = [f"sqlite:///{folder / name}" for name in ("scan-hub.db", "naive-hub.db")]
        for database in databases:
            upgrade(database)
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            measured = pool.submit(_measure, world, databases[0], runs).result()
        naive_s, naive_total, judged = asyncio.run(_naive(world, databases[1], sample))
    scaled = naive_s * institutions / judged
    how = "all of them" if judged == institutions else f"a sample of {judged:,}, scaled"
    lines = [
        f"scan_seconds: {measured.p50_s:.2f}s  (baseline {scaled:.2f}s: every joint record "
        f"loaded and judged, {how}; ratio {measured.p50_s / scaled:.3f}; "
        f"{institutions:,} institutions; target <= 2 s at 100,000)",
        f"  p99 {measured.p99_s:.2f}s over {measured.runs} runs, caches off; "
        f"{measured.total:,} matches; hub peak memory {measured.peak_mb:.0f} MB (target < 500)",
        *(f"  {step}" for step in measured.steps),
        f"next_page_ms: {measured.next_page_p50_s * 1000:.0f}  (baseline: the same filter "
        f"planned afresh, {measured.p50_s * 1000:.0f} ms; ratio "
        f"{measured.next_page_p50_s / measured.p50_s:.3f}; the plan kept {DEFAULT_PLAN_TTL:.0f} s)",
    ]
    if judged == institutions and naive_total != measured.total:
        lines.append(f"  MISMATCH: the naive evaluation found {naive_total:,}")
    return lines


def _measure(world: SandboxWorld, database: str, runs: int) -> Measured:
    """In a fresh process: the hub answering the filter, and nothing else."""
    tune_garbage_collector()  # as a serving process does (xietong.serve)
    return asyncio.run(_measure_async(world, database, runs))


async def _measure_async(world: SandboxWorld, database: str, runs: int) -> Measured:
    async with hub_harness(database, world, env=UNLIMITED) as harness:
        total = 0

        async def ask() -> None:
            nonlocal total
            body = (await harness.graphql(CLIENT, QUERY, {"filter": FILTER})).json()
            if "errors" in body:
                raise RuntimeError(body["errors"])
            total = body["data"]["institutions"]["totalCount"]

        timing = await timed(ask, runs=runs, warmup=1)
        next_page = await _next_page(harness, runs)
        criteria = FilterCriteria(
            fire_acceptance=frozenset(FireAcceptanceStatus(s) for s in NOT_PASSED),
            coverage_below=1.0,
        )
        explained = await plan(
            harness.hub.adapters, criteria, region_prefix=SCOPE, today=harness.hub.today()
        )
    peak_mb = _peak_resident_mb()
    steps = [
        f"{step.predicate}: {step.how} {step.before if step.before is not None else '-'}"
        f" → {step.after} in {step.seconds:.3f}s"
        for step in explained.steps
    ]
    return Measured(
        timing.p50_ms / 1000, timing.p99_ms / 1000, runs, total, steps, peak_mb, next_page
    )


async def _next_page(harness: HubHarness, runs: int) -> float:
    """Median seconds to the second page once the first was asked, the plan kept as
    the hub keeps it by default."""
    harness.hub.plans = PlanCache(DEFAULT_PLAN_TTL)
    body = (await harness.graphql(CLIENT, QUERY, {"filter": FILTER})).json()
    after = body["data"]["institutions"]["pageInfo"]["endCursor"]

    async def ask() -> None:
        body = (await harness.graphql(CLIENT, QUERY, {"filter": FILTER, "after": after})).json()
        if "errors" in body:
            raise RuntimeError(body["errors"])

    return (await timed(ask, runs=runs, warmup=0)).p50_ms / 1000


def _peak_resident_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` is this program's own:
    ``ru_maxrss`` carries over the parent's peak through fork and exec."""
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    [line] = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


async def _naive(world: SandboxWorld, database: str, sample: int) -> tuple[float, int, int]:
    """Seconds to judge up to ``sample`` institutions the naive way, the matches among
    them, and how many were judged."""
    async with hub_harness(database, world, env=UNLIMITED) as harness:
        adapters, today = harness.hub.adapters, harness.hub.today()
        started = time.perf_counter()
        judged = matches = 0
        after = None
        while judged < sample:
            page, _total = await adapters.education.page("", after, min(PAGE, sample - judged))
            if not page:
                break
            matches += await _judge(adapters, page, today)
            judged += len(page)
            after = page[-1].credit_code
        return time.perf_counter() - started, matches, judged


async def _judge(adapters: AdapterCatalog, page: list[Any], today: Any) -> int:
    codes = [record.credit_code for record in page]
    people = [member.id_number for record in page for member in record.staff]
    _registrations, fire, funds, _checks = await asyncio.gather(
        adapters.market.load(codes),
        adapters.fire_safety.load(codes),
        adapters.finance.load(codes),
        adapters.public_security.load(people),
    )
    wanted = {FireAcceptanceStatus(status) for status in NOT_PASSED}
    return sum(
        1
        for record in page
        if record.region.startswith(SCOPE)
        and (safety := fire.get(record.credit_code)) is not None
        and safety.acceptance_on(today) in wanted
        and (account := funds.get(record.credit_code)) is not None
        and (ratio := account.coverage_ratio) is not None
        and ratio < 1
    )


def run(folder: Path, *, quick: bool) -> list[str]:
    """``scan_seconds`` over 10,000 institutions (``--quick``) or 100,000."""
    if quick:
        return scan(folder, 10_000, runs=5, sample=10_000)
    return scan(folder, 100_000, runs=10, sample=10_000)
