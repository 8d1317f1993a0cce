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

import psutil
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
    hub_cpu_s: float = 0.0
    """CPU of this process (the hub, in-process) a run, the median."""
    services_cpu_s: float = 0.0
    """CPU of the process serving the HTTP departments a run, the median (0 when
    ``timed`` was not given it)."""


async def timed(
    work: Callable[[], Awaitable[object]],
    *,
    runs: int,
    warmup: int = 3,
    services_pid: int | None = None,
) -> Timing:
    """``work`` timed ``runs`` times after ``warmup``; with ``services_pid``, the CPU
    that process spent too (where the time went, on a machine of few cores)."""
    for _ in range(warmup):
        await work()
    services = psutil.Process(services_pid) if services_pid is not None else None
    samples, hub_cpu, services_cpu = [], [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        theirs = _cpu_seconds(services)
        await work()
        samples.append((time.perf_counter() - started) * 1000)
        hub_cpu.append(time.process_time() - cpu)
        services_cpu.append(_cpu_seconds(services) - theirs)
    samples.sort()
    return Timing(
        p50_ms=statistics.median(samples),
        p99_ms=samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        runs=runs,
        hub_cpu_s=statistics.median(hub_cpu),
        services_cpu_s=statistics.median(services_cpu),
    )


def _cpu_seconds(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return float(times.user + times.system)


def cpu_line(timing: Timing) -> str:
    """Where a run's time went: the hub's CPU and the departments' (their HTTP
    services' process), on this machine's cores."""
    return (
        f"  CPU a run: hub {timing.hub_cpu_s:.2f} s, HTTP departments "
        f"{timing.services_cpu_s:.2f} s, on {os.cpu_count()} cores"
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
