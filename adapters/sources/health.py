"""What the hub has lately seen of a source: reachable or not, and how fast."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from statistics import median


@dataclass(slots=True)
class SourceHealth:
    """Rolling record of a source's recent calls (the last ``window`` of them)."""

    window: int = 50
    healthy: bool | None = None
    last_error: str | None = None
    last_checked: float | None = None
    _latencies_ms: deque[float] = field(default_factory=deque)

    def record_success(self, latency_ms: float) -> None:
        self.healthy = True
        self.last_error = None
        self._remember(latency_ms)

    def record_failure(self, error: str, latency_ms: float) -> None:
        self.healthy = False
        self.last_error = error
        self._remember(latency_ms)

    def record_refused(self, error: str) -> None:
        """A call the hub did not make (the circuit is open): unhealthy, no latency."""
        self.healthy = False
        self.last_error = error
        self.last_checked = time.time()

    @property
    def latency_ms(self) -> float | None:
        """Median latency of the recent calls, or None before the first one."""
        return median(self._latencies_ms) if self._latencies_ms else None

    def _remember(self, latency_ms: float) -> None:
        self.last_checked = time.time()
        self._latencies_ms.append(latency_ms)
        if len(self._latencies_ms) > self.window:
            self._latencies_ms.popleft()
