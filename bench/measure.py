"""Timing helpers: percentiles of repeated async calls, and the figure lines."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


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
