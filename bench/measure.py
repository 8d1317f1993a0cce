"""Timing helpers: percentiles of repeated async calls, the figure lines, and a hub
database for a benchmark."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from xietong.cli.runtime import tune_garbage_collector

POSTGRES_URL = os.environ.get(
    "XIETONG_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True, slots=True)
class Timing:
    p50_ms: float
    p99_ms: float
    runs: int


async def timed(work: Callable[[], Awaitable[object]], *, runs: int, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        await work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(
        p50_ms=statistics.median(samples),
        p99_ms=samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        runs=runs,
    )


def figure(name: str, value: float, *, baseline: float, target: str, unit: str = "") -> str:
    """``name: value`` beside its baseline measured in the same run."""
    ratio = value / baseline if baseline else float("nan")
    return (
        f"{name}: {value:.2f}{unit}  (baseline {baseline:.2f}{unit}, "
        f"ratio {ratio:.2f}, target {target})"
    )


@contextmanager
def hub_database(sqlite_file: Path) -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of its own at ``POSTGRES_URL`` (dropped afterwards), or,
    when that does not answer, the SQLite file; and which of the two it is."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True) as connection:
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            connection.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError:
        yield f"sqlite:///{sqlite_file}", "SQLite"
        return
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", "PostgreSQL"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run_alone(run: Callable[..., list[str]], description: str | None) -> None:
    """``python bench/<figure>.py [--quick]``: one benchmark's figures, printed, with the
    garbage collector tuned as a serving process tunes it (``bench/run.py`` does too)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="10,000 institutions")
    args = parser.parse_args()
    tune_garbage_collector()
    with tempfile.TemporaryDirectory() as folder:
        for line in run(Path(folder), quick=args.quick):
            print(line, flush=True)
