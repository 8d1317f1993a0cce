"""Finding institutions by text: ``nameContains`` (and ``address``,
``legalRepresentative``) through the whole app, next to a brute-force scan.

``name_contains_seconds``: the median time of ``institutions(filter: {nameContains:
"启航"}, first: 50)`` with plans not kept (each question planned afresh) and source
caches off. The baseline, measured in the same run, is the brute force: every
institution of the education bureau read through its adapter, a page of 500 at a
time, and its name tested in Python.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.measure import timed
from tests.support.harness import HubHarness, hub_harness, sandbox_world
from xietong.kernel.migrate import upgrade

NAME = "启航"
"""A brand the seed gives about one institution in fifty."""
ROAD = "中山路"
QUERY = """query ($filter: InstitutionFilter) {
  institutions(filter: $filter, first: 50) {
    totalCount edges { node { creditCode name } }
  }
}"""
CLIENT = "demo-auditor"
UNLIMITED = {"XIETONG_RATE_LIMIT": "1000000/second", "XIETONG_PLAN_TTL": "0"}
PAGE = 500


def run(folder: Path, *, quick: bool) -> list[str]:
    """Over 10,000 institutions (``--quick``) or 100,000."""
    institutions, runs = (10_000, 10) if quick else (100_000, 20)
    return asyncio.run(_run(folder, institutions, runs))


async def _run(folder: Path, institutions: int, runs: int) -> list[str]:
    with sandbox_world(
        folder / "search", institutions, cache_ttl=0, separate_process=True
    ) as world:
        database = f"sqlite:///{folder / 'search-hub.db'}"
        upgrade(database)
        async with hub_harness(database, world, env=UNLIMITED) as harness:
            totals: dict[str, int] = {}
            timings = {}
            person = await _a_legal_representative(harness)
            for name, filter_ in (
                ("nameContains", {"nameContains": NAME}),
                ("address", {"address": ROAD}),
                ("legalRepresentative", {"legalRepresentative": person}),
            ):
                timings[name] = await timed(
                    lambda f=filter_, n=name: _ask(harness, f, totals, n),  # type: ignore[misc]
                    runs=runs,
                    warmup=1,
                )
            brute_s, brute_total = await _brute_force(harness)
    found = totals["nameContains"]
    p50 = timings["nameContains"].p50_ms / 1000
    lines = [
        f"name_contains_seconds: {p50:.3f}s  (baseline {brute_s:.3f}s: every name read "
        f"through the adapter and tested; ratio {p50 / brute_s:.3f}; {institutions:,} "
        f"institutions, {found:,} named {NAME}; target < 0.3 s at 100,000)",
        f"  p99 {timings['nameContains'].p99_ms / 1000:.3f}s over {runs} runs, plans not kept",
    ]
    for name in ("address", "legalRepresentative"):
        lines.append(f"  {name}: p50 {timings[name].p50_ms / 1000:.3f}s, {totals[name]:,} found")
    if brute_total != found:
        lines.append(f"  MISMATCH: the brute force found {brute_total:,}")
    return lines


async def _ask(
    harness: HubHarness, filter_: dict[str, Any], totals: dict[str, int], name: str
) -> None:
    body = (await harness.graphql(CLIENT, QUERY, {"filter": filter_})).json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    totals[name] = body["data"]["institutions"]["totalCount"]


async def _a_legal_representative(harness: HubHarness) -> str:
    page, _ = await harness.hub.adapters.education.page("", None, 1)
    found = await harness.hub.adapters.market.load([page[0].credit_code])
    return found[page[0].credit_code].legal_representative


async def _brute_force(harness: HubHarness) -> tuple[float, int]:
    """Seconds to read every institution and test its name (in Kaifeng, the auditor's
    city); the matches. Pages by credit code alone, as the naive baseline of
    ``bench.planner`` does: the cheapest way to read them all."""
    education = harness.hub.adapters.education
    started = time.perf_counter()
    matches, after = 0, None
    while True:
        page, _total = await education.page("", after, PAGE)
        if not page:
            break
        matches += sum(1 for r in page if r.region.startswith("4102") and NAME in r.name)
        after = page[-1].credit_code
    return time.perf_counter() - started, matches
