"""Settings of a process that serves the hub."""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 10_000
"""Allocations between collections of the youngest generation (CPython: 700)."""


def tune_garbage_collector() -> None:
    """Collect less often: a page builds tens of thousands of small records, nearly all
    freed by reference counting, and with CPython's defaults a third of the time spent
    loading them went to collections that found nothing (``bench/``). What is alive
    once the app is built (schema, policy, modules) is frozen out of collection."""
    gc.freeze()
    _young, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
