"""A filter's matches, kept briefly so that its next pages cost a slice, not a plan.

Paging through ``institutions(filter: ...)`` asks the same question once per page;
a district-wide ``riskAtLeast`` takes seconds to plan. The plan (the sorted
matching credit codes, nothing else: records are loaded afresh for each page) is
kept under everything it depends on — the criteria, the region scope, the day the
rules are judged on — for ``ttl`` seconds from when it began, so no page shows
matches older than that, and the pages of one walk agree on the total. At most
``max_plans`` are kept, the least recently used going first; requests wanting the
same plan at the same time share one computation; a failed plan is not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from prometheus_client import Counter

from xietong.planner.criteria import FilterCriteria
from xietong.planner.plan import Plan

PLANS = Counter(
    "xietong_filter_plans_total",
    "Filtered institutions questions, by whether their plan was kept from an earlier page",
    ["result"],
)


@dataclass(frozen=True, slots=True)
class PlanKey:
    criteria: FilterCriteria
    region_prefix: str
    today: date


@dataclass(frozen=True, slots=True)
class _Entry:
    plan: asyncio.Future[Plan]
    expires: float


class PlanCache:
    def __init__(
        self, ttl: float, *, max_plans: int = 8, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_plans = max_plans
        self._clock = clock
        self._entries: dict[PlanKey, _Entry] = {}

    async def plan(self, key: PlanKey, make: Callable[[], Awaitable[Plan]]) -> Plan:
        """The plan for ``key``: kept from an earlier question, or made now by ``make``."""
        if self.ttl <= 0:
            PLANS.labels("computed").inc()
            return await make()
        now = self._clock()
        entry = self._entries.pop(key, None)
        if entry is not None and entry.expires > now:
            PLANS.labels("kept").inc()
        else:
            PLANS.labels("computed").inc()
            entry = _Entry(asyncio.ensure_future(make()), now + self.ttl)
            entry.plan.add_done_callback(lambda done: self._forget_failed(key, done))
        self._entries[key] = entry  # most recently used last
        while len(self._entries) > self.max_plans:
            del self._entries[next(iter(self._entries))]
        # Shielded: one caller giving up does not cancel the plan the others await.
        return await asyncio.shield(entry.plan)

    def _forget_failed(self, key: PlanKey, done: asyncio.Future[Plan]) -> None:
        if done.cancelled() or done.exception() is not None:
            entry = self._entries.get(key)
            if entry is not None and entry.plan is done:
                del self._entries[key]
