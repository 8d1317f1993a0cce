"""Bounded retries with jitter, for reads that are safe to repeat.

Only idempotent requests are retried (GET, and the batch POSTs that merely read),
only on failures that another try may cure (no connection, a dropped keep-alive
connection, 429/502/503/504), and always inside the source's one timeout: a retry
never makes a slow department slower than its configured budget.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class CallFailed(Exception):
    """One try at a source failed; ``reason`` is what SourceUnavailableError will say."""

    def __init__(self, reason: str, *, transient: bool, source_fault: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        """Another try may succeed (the source was unreachable or overloaded)."""
        self.source_fault = source_fault
        """The source is unwell; False when it answered but refused this request (4xx),
        which says nothing against its health and must not trip the circuit breaker."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    """Tries in all, the first one included."""
    base_delay: float = 0.05
    max_delay: float = 0.5
    jitter: Callable[[], float] = field(default=random.random, compare=False)
    """A number in [0, 1): "full jitter", so clients that failed together do not
    come back together."""

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, ...)."""
        ceiling: float = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return self.jitter() * ceiling


NO_RETRY = RetryPolicy(attempts=1)


async def with_retries(policy: RetryPolicy, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` until it succeeds, fails for good, or the tries run out;
    the last CallFailed propagates."""
    for number in range(1, policy.attempts + 1):
        try:
            return await attempt()
        except CallFailed as failure:
            if number == policy.attempts or not failure.transient:
                raise
        await asyncio.sleep(policy.delay(number))
    raise AssertionError("unreachable: the last attempt returns or raises")
