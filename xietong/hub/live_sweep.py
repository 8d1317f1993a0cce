"""The periodic sweep of the live notice (DESIGN §13): referrals gone overdue are
announced to the department they wait on, and institutions whose risk went up
(re-assessed from every department's record and the hub's cases) to the region.

Every worker runs the loop; at each tick one of them takes the turn (a lease row
in the hub store) and sweeps, so the sources are read once per interval. Each
announcement is recorded in the transaction that sends it: sent once, even when
two sweeps, or a sweep and a case change, judge the same institution at once.
``reassess`` is also what a case change calls for its own institution.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from xietong.adapters.sources.errors import SourceUnavailableError
from xietong.cases import live_store
from xietong.cases.facts import hub_facts
from xietong.cases.live import AssignmentReason, RiskRaise, assignment
from xietong.domain.risk import RiskLevel
from xietong.hub.services import Hub
from xietong.planner.signals import assessed

log = logging.getLogger("xietong.live")
SWEEP = "live"
ALL_REGIONS = ""
"""The sweep judges every institution the education bureau lists."""


@dataclass(frozen=True, slots=True)
class SweepReport:
    overdue: int
    """Overdue referrals announced."""
    raised: int
    """Institutions whose raised risk was announced."""


async def sweep(hub: Hub) -> SweepReport:
    """One sweep, now, whoever's turn it is (the loop takes turns; tests call this)."""
    overdue = await _announce_overdue(hub)
    try:
        census = await hub.adapters.education.census(ALL_REGIONS, hub.today())
    except SourceUnavailableError as error:
        log.warning("live sweep: risk not re-assessed: %s", error)
        return SweepReport(overdue, 0)
    regions = {code: listed.region for code, listed in census.institutions.items()}
    raised = await reassess(hub, sorted(regions), regions)
    return SweepReport(overdue, raised)


async def reassess(hub: Hub, codes: Sequence[str], regions: dict[str, str] | None = None) -> int:
    """Judge the risk of ``codes`` again and announce those that went up; how many.
    A department that does not answer leaves them as they were (judged next time)."""
    if not codes:
        return 0
    try:
        found = await assessed(
            hub.adapters,
            list(codes),
            hub.today(),
            ALL_REGIONS,
            partial(hub_facts, hub.lookup_engine),
        )
    except SourceUnavailableError as error:
        log.warning("live: risk not re-assessed: %s", error)
        return 0
    # Those raising no signal are LOW: judged too, so that a later rise is news.
    levels = {code: found.get(code, (RiskLevel.LOW, [])) for code in codes}
    if regions is None:
        institutions = await hub.adapters.education.load(list(levels))
        regions = {code: record.region for code, record in institutions.items()}
    raised = 0
    async with hub.sessions() as session:
        seen = await live_store.levels_seen(session, list(levels))
    for code, (level, _signals) in sorted(levels.items()):
        before = seen.get(code)
        if before == level or code not in regions:
            continue
        now = datetime.now(UTC)
        async with hub.sessions.begin() as session:
            if not await live_store.see_level(session, code, regions[code], level, seen, now):
                continue  # another worker judged it meanwhile
            if before is not None and level > before:
                news = RiskRaise(code, regions[code], level, before, now).event()
                await hub.live.publish_in(session, news)
            else:
                news = None
        if news is not None:
            await hub.live.publish_after(news)
            raised += 1
    return raised


async def _announce_overdue(hub: Hub) -> int:
    async with hub.sessions() as session:
        late = await live_store.overdue_unannounced(session, hub.today())
    announced = 0
    for case_id in late:
        now = datetime.now(UTC)
        async with hub.sessions.begin() as session:
            case = await live_store.announce_overdue(session, case_id, now)
            if case is None:
                continue
            news = assignment(case, AssignmentReason.OVERDUE, now).event()
            await hub.live.publish_in(session, news)
        await hub.live.publish_after(news)
        announced += 1
    return announced


class LiveSweeper:
    """Sweeps every ``seconds`` (``XIETONG_CASE_SWEEP_SECONDS``), one worker a turn."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._every = hub.settings.cases.sweep_seconds

    @property
    def enabled(self) -> bool:
        return self._every > 0

    async def tick(self) -> SweepReport | None:
        now = datetime.now(UTC)
        # A little short of the interval, so the worker that swept last is not
        # always the one whose clock says "due" first.
        next_at = now + timedelta(seconds=self._every * 0.9)
        async with self._hub.sessions.begin() as session:
            mine = await live_store.claim_sweep(session, SWEEP, now, next_at)
        return await sweep(self._hub) if mine else None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.tick()
            except Exception:
                log.exception("live sweep failed; trying again at the next tick")
