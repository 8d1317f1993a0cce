"""What every source call is counted and timed under, in Prometheus (served at the
hub's ``/metrics``): latency in seconds, failures by kind, cache hits."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SOURCE_CALL_SECONDS = Histogram(
    "xietong_source_call_duration_seconds",
    "Time of a call to a department source (retries included), by outcome",
    ["source", "department", "outcome"],
    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SOURCE_ERRORS = Counter(
    "xietong_source_errors_total",
    "Calls to a department source that failed: timeout, failed (an error or refusal "
    "from the source), or circuit_open (refused by the hub without calling)",
    ["source", "department", "reason"],
)
CACHE_LOOKUPS = Counter(
    "xietong_source_cache_lookups_total",
    "Records asked of a source's cache: hit (answered from it) or miss (asked of the source)",
    ["source", "result"],
)
