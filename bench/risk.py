"""Risk questions pushed down: how long a district-wide ``riskAtLeast: HIGH`` takes.

``risk_filter_seconds``: the median time of ``institutions(filter: {riskAtLeast:
HIGH}, first: 50)`` through the whole app as an auditor of Kaifeng (410200), plans not
kept and source caches off, over 10,000 institutions (``--quick``) or 100,000. The
baseline, measured in the same run, is the load-everything answer: every
institution's joint record loaded through the adapters and judged by
``domain.risk.assess``; over a sample when there are many, scaled up to all of them.
Below it, each department's part of the pushed-down answer, timed alone.

``python bench/risk.py [--quick]`` runs this figure alone.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run alone: the repository, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.measure import cpu_line, run_alone, timed
from tests.support.harness import HubHarness, hub_harness, sandbox_world
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.matching import InstitutionCriteria
from xietong.domain.risk import RiskLevel, assess
from xietong.kernel.migrate import upgrade
from xietong.planner.evaluate import joint_records
from xietong.planner.signals import ROUNDS, raised

QUERY = """query ($filter: InstitutionFilter) {
  institutions(filter: $filter, first: 50) {
    totalCount edges { node { creditCode name risk { level signals { code } } } }
  }
}"""
FILTER = {"riskAtLeast": "HIGH"}
CLIENT = "demo-auditor"
SCOPE = "4102"
PAGE = 500
UNLIMITED = {"XIETONG_RATE_LIMIT": "1000000/second", "XIETONG_PLAN_TTL": "0"}


def run(folder: Path, *, quick: bool) -> list[str]:
    institutions, runs, sample = (10_000, 5, 2_000) if quick else (100_000, 3, 5_000)
    with sandbox_world(folder / "risk", institutions, cache_ttl=0, separate_process=True) as world:
        database = f"sqlite:///{folder / 'risk-hub.db'}"
        upgrade(database)
        return asyncio.run(_measure(world, database, institutions, runs, sample))


async def _measure(
    world: Any, database: str, institutions: int, runs: int, sample: int
) -> list[str]:
    async with hub_harness(database, world, env=UNLIMITED) as harness:
        total = 0

        async def ask() -> None:
            nonlocal total
            body = (await harness.graphql(CLIENT, QUERY, {"filter": FILTER})).json()
            if "errors" in body:
                raise RuntimeError(body["errors"])
            total = body["data"]["institutions"]["totalCount"]

        timing = await timed(ask, runs=runs, warmup=1, services_pid=world.services_pid)
        parts = await _parts(harness)
        naive_s, naive_high, judged, failed = await _naive(harness, sample)
    scaled = naive_s * institutions / judged if judged else float("nan")
    how = "all of them" if judged >= institutions else f"a sample of {judged:,}, scaled"
    seconds = timing.p50_ms / 1000
    target = "< 1 s at 10,000" if institutions <= 10_000 else "< 3 s at 100,000"
    lines = [
        f"risk_filter_seconds: {seconds:.2f}s  (baseline {scaled:.2f}s: every joint record "
        f"loaded and judged, {how}; ratio {seconds / scaled:.3f}; {institutions:,} "
        f"institutions, {total:,} HIGH; target {target})",
        f"  p99 {timing.p99_ms / 1000:.2f}s over {timing.runs} runs, plans not kept, caches off;"
        f" baseline pages a department failed (left out): {failed}",
        cpu_line(timing),
        *(f"  {name}: {part:.2f}s alone" for name, part in parts),
    ]
    if judged >= institutions and naive_high != total:
        lines.append(f"  MISMATCH: the load-everything answer found {naive_high:,}")
    return lines


async def _parts(harness: HubHarness) -> list[tuple[str, float]]:
    """Each round of the pushed-down answer asked about every candidate, timed alone (a
    filter asks the later rounds about the undecided only; statistics ask them all)."""
    adapters, today = harness.hub.adapters, harness.hub.today()
    codes = sorted(await adapters.education.match(InstitutionCriteria(region_prefix=SCOPE)))
    pieces: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (
            f"round {number} ({', '.join(sorted(signals))}) over {len(codes):,}",
            lambda signals=signals: raised(  # type: ignore[misc]
                adapters, codes, today, region_prefix=SCOPE, signals=signals
            ),
        )
        for number, (signals, _ask) in enumerate(ROUNDS, start=1)
    ]
    timings = []
    for name, make in pieces:
        started = time.perf_counter()
        try:
            await make()
        except SourceUnavailableError as error:
            name = f"{name} [failed: {error.reason}]"
        timings.append((name, time.perf_counter() - started))
    return timings


async def _naive(harness: HubHarness, sample: int) -> tuple[float, int, int, int]:
    """Seconds to load and judge up to ``sample`` institutions of the city, the HIGH
    among them, how many were judged, and how many pages a department failed (left
    out of the count and the time: the figure is per institution judged)."""
    adapters, today = harness.hub.adapters, harness.hub.today()
    seconds = 0.0
    judged = high = failed = 0
    after = None
    while judged < sample:
        page, _total = await adapters.education.page(SCOPE, after, min(PAGE, sample - judged))
        if not page:
            break
        after = page[-1].credit_code
        started = time.perf_counter()
        try:
            records = await joint_records(adapters, [r.credit_code for r in page], today)
        except SourceUnavailableError:
            failed += 1
            if failed > 5:
                break
            continue
        high += sum(assess(record)[0] >= RiskLevel.HIGH for record in records)
        seconds += time.perf_counter() - started
        judged += len(page)
    return seconds, high, judged, failed


if __name__ == "__main__":
    run_alone(run, __doc__)
