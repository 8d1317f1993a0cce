"""District statistics: how long ``statistics`` takes for a whole city.

``statistics_seconds``: the median time of ``statistics(groupBy: DISTRICT)`` with every
count selected, through the whole app as an auditor of Kaifeng (410200), caches off,
over 10,000 institutions (``--quick``) or 100,000. The baseline is the naive count:
every institution's joint record loaded through the adapters and judged by the
rules; over a sample when there are many, scaled up to all of them. Below it, each
department's part of the count, timed alone.

``python bench/statistics.py [--quick]`` runs this figure alone.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run alone: the repository, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.measure import cpu_line, run_alone, timed
from tests.statistics.support import STATISTICS
from tests.support.harness import HubHarness, hub_harness, sandbox_world
from xietong.adapters.catalog import AdapterCatalog
from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.domain.risk import COMPLAINT_SURGE_WINDOW, JointRecord, assess
from xietong.kernel.migrate import upgrade
from xietong.planner.evaluate import joint_records
from xietong.planner.signals import assessed
from xietong.statistics.custody import supervised_among

WITHOUT_RISK = STATISTICS.replace(
    "riskLevels { level label count } signals { code label count }", ""
)
CLIENT = "demo-auditor"
SCOPE = "4102"
PAGE = 500
UNLIMITED = {"XIETONG_RATE_LIMIT": "1000000/second"}


def run(folder: Path, *, quick: bool) -> list[str]:
    institutions, runs, sample = (10_000, 3, 2_000) if quick else (100_000, 3, 5_000)
    with sandbox_world(
        folder / "statistics", institutions, cache_ttl=0, separate_process=True
    ) as world:
        database = f"sqlite:///{folder / 'statistics-hub.db'}"
        upgrade(database)
        return asyncio.run(_measure(world, database, institutions, runs, sample))


async def _measure(
    world: Any, database: str, institutions: int, runs: int, sample: int
) -> list[str]:
    async with hub_harness(database, world, env=UNLIMITED) as harness:
        counted = 0
        unavailable: set[str] = set()

        async def ask() -> None:
            nonlocal counted
            body = (await harness.graphql(CLIENT, STATISTICS, {"groupBy": "DISTRICT"})).json()
            # A department timing out costs its counts, not the figure: say which.
            for error in body.get("errors", []):
                extensions = error.get("extensions", {})
                if extensions.get("code") != "SOURCE_UNAVAILABLE":
                    raise RuntimeError(body["errors"])
                unavailable.add(f"{extensions['department']} ({error['message'][-30:]})")
            counted = body["data"]["statistics"]["total"]["institutions"]

        timing = await timed(ask, runs=runs, warmup=1, services_pid=world.services_pid)

        async def ask_counts() -> None:
            await harness.graphql(CLIENT, WITHOUT_RISK, {"groupBy": "DISTRICT"})

        counts = await timed(ask_counts, runs=runs, warmup=0)
        parts = await _parts(harness)
        naive_s, judged = await _naive(harness, sample)
    scaled = naive_s * counted / judged if judged else float("nan")
    seconds = timing.p50_ms / 1000
    return [
        f"statistics_seconds: {seconds:.2f}s  (baseline {scaled:.2f}s: every joint record "
        f"loaded and judged, a sample of {judged:,} scaled to {counted:,}; ratio "
        f"{seconds / scaled:.3f}; {institutions:,} institutions; target < 2 s at 100,000)",
        f"  p99 {timing.p99_ms / 1000:.2f}s over {timing.runs} runs, caches off; "
        f"unavailable in some run: {', '.join(sorted(unavailable)) or 'none'}",
        cpu_line(timing),
        f"statistics_without_risk_seconds: {counts.p50_ms / 1000:.2f}s  (the same without "
        f"riskLevels and signals, which ask every department for its signals; baseline "
        f"{seconds:.2f}s, every count)",
        *(f"  {name}: {part:.2f}s alone" for name, part in parts),
    ]


async def _parts(harness: HubHarness) -> list[tuple[str, float]]:
    """Each department's census, timed alone (they run side by side in a request)."""
    adapters, today = harness.hub.adapters, harness.hub.today()
    education = await adapters.education.census(SCOPE, today)
    codes = sorted(education.institutions)
    pieces: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("education census", lambda: adapters.education.census(SCOPE, today)),
        (
            "market census (registry scan)",
            lambda: adapters.market.census(SCOPE, today - COMPLAINT_SURGE_WINDOW, codes),
        ),
        (
            "risk (every signal, pushed down to the departments)",
            lambda: assessed(adapters, codes, today, SCOPE),
        ),
        ("custody accounts", lambda: supervised_among(adapters, education.prepaid)),
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


async def _naive(harness: HubHarness, sample: int) -> tuple[float, int]:
    """Seconds to load and judge up to ``sample`` institutions of the city, and how many."""
    adapters: AdapterCatalog = harness.hub.adapters
    today: date = harness.hub.today()
    started = time.perf_counter()
    judged = 0
    after = None
    levels: list[Any] = []
    while judged < sample:
        page, _total = await adapters.education.page(SCOPE, after, min(PAGE, sample - judged))
        if not page:
            break
        records: list[JointRecord] = await joint_records(
            adapters, [record.credit_code for record in page], today
        )
        levels += [assess(record)[0] for record in records]
        judged += len(page)
        after = page[-1].credit_code
    return time.perf_counter() - started, judged


if __name__ == "__main__":
    run_alone(run, __doc__)
