"""Xietong's benchmarks: ``python bench/run.py [--quick]``.

Each figure is printed as ``name: value`` beside its baseline measured in the same
run. ``--quick`` uses fewer runs and finishes in well under three minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

# The repository instead of bench/ itself: bench/http.py must not stand in for
# the standard library's http package.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import audit, funds, http, joint_record, planner, risk, search, statistics
from tests.support.harness import HubHarness, hub_harness, sandbox_world
from xietong.cli.runtime import tune_garbage_collector
from xietong.kernel.migrate import upgrade

DELAY_MS = 50.0


async def first_code(harness: HubHarness) -> str:
    body = (
        await harness.graphql(
            "demo-education", "{ institutions(first: 1) { edges { node { creditCode } } } }"
        )
    ).json()
    code: str = body["data"]["institutions"]["edges"][0]["node"]["creditCode"]
    return code


async def run_joint_record(folder: Path, institutions: int, runs: int) -> list[str]:
    lines: list[str] = []
    with sandbox_world(folder / "plain", institutions, cache_ttl=0, separate_process=True) as world:
        database = f"sqlite:///{folder / 'plain-hub.db'}"
        upgrade(database)
        async with hub_harness(database, world) as harness:
            code = await first_code(harness)
            lines += await joint_record.source_calls_per_page(harness)
            lines += await joint_record.overhead(harness, code, runs=runs)
    with sandbox_world(
        folder / "slow", institutions, delay_ms=DELAY_MS, cache_ttl=0, separate_process=True
    ) as world:
        database = f"sqlite:///{folder / 'slow-hub.db'}"
        upgrade(database)
        async with hub_harness(database, world) as harness:
            code = await first_code(harness)
            lines += await joint_record.fanout(
                harness, code, delay_ms=DELAY_MS, runs=max(5, runs // 10)
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller data")
    args = parser.parse_args()
    tune_garbage_collector()  # as a serving process does (xietong.serve)
    institutions, runs = (300, 50) if args.quick else (2000, 200)
    with tempfile.TemporaryDirectory() as folder:
        for line in asyncio.run(run_joint_record(Path(folder), institutions, runs)):
            print(line, flush=True)
        for line in http.run(Path(folder), institutions, quick=args.quick):
            print(line, flush=True)
        for measure in (planner.run, risk.run, search.run, statistics.run, audit.run, funds.run):
            for line in measure(Path(folder), quick=args.quick):
                print(line, flush=True)


if __name__ == "__main__":
    main()
