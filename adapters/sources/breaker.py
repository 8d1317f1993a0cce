"""A circuit breaker: stop calling a source that keeps failing, and try it again later.

Closed (calls go through) until ``failure_threshold`` calls in a row fail; then
open (calls fail fast, without touching the network) for ``cool_down`` seconds;
then half-open: one trial call goes through, and its outcome closes the circuit
or opens it for another cool-down. A dead department then costs its callers
nothing but a quick SOURCE_UNAVAILABLE, and the source is not hammered while it
restarts.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int = 5,
        cool_down: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cool_down < 0:
            raise ValueError("failure_threshold must be at least 1 and cool_down non-negative")
        self.failure_threshold = failure_threshold
        self.cool_down = cool_down
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def is_open(self) -> bool:
        """Whether calls are being refused (open, or half-open with its trial under way)."""
        return self._opened_at is not None and not self._cooled_down()

    @property
    def half_open(self) -> bool:
        """Whether a trial call is under way: the one ``allow`` just let through, if any."""
        return self._trial_in_flight

    def allow(self) -> bool:
        """Whether a call may go to the source now; a True in half-open state is the
        trial, and the caller must report its outcome (or ``release`` it)."""
        if self._opened_at is None:
            return True
        if self._trial_in_flight or not self._cooled_down():
            return False
        self._trial_in_flight = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_in_flight or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        self._trial_in_flight = False

    def release(self) -> None:
        """The call ended with neither outcome (it was cancelled): let another trial go."""
        self._trial_in_flight = False

    def refusal(self) -> str:
        """Why a call is refused: the reason SourceUnavailableError carries."""
        assert self._opened_at is not None
        remaining = max(0.0, self._opened_at + self.cool_down - self._clock())
        return (
            f"circuit open after {self._failures} failed calls in a row; "
            f"next try in {remaining:.1f} s"
        )

    def _cooled_down(self) -> bool:
        assert self._opened_at is not None
        return self._clock() - self._opened_at >= self.cool_down
