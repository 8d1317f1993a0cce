"""The live notice's sweep and re-assessment over the sandbox, on SQLite (the
in-process bus) and PostgreSQL (LISTEN/NOTIFY): a referral past its 10 working days
is announced to the department it waits on, once; an institution whose risk goes
up (an absconding tip-off) is announced to its region, once; the sweep's turn is
one worker's at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from tests.support.harness import HubHarness
from xietong.cases.live import Assignment, AssignmentReason, RiskRaise
from xietong.cases.live_store import claim_sweep
from xietong.cases.records import (
    CaseFailure,
    CaseRecord,
    RectificationNotice,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
    TipOffSubmission,
)
from xietong.cases.service import CaseResult, CaseService
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.domain.risk import RiskLevel
from xietong.hub.live_sweep import LiveSweeper, reassess, sweep
from xietong.kernel.live_bus import LiveEvent, Subscription
from xietong.planner.signals import assessed

EDUCATION = Actor(Department.EDUCATION, "410200", "officer-education", "demo-education")


def ok(result: CaseResult) -> CaseRecord:
    assert not isinstance(result, CaseFailure), result
    return result


@asynccontextmanager
async def listening(harness: HubHarness) -> AsyncIterator[Subscription]:
    async with harness.hub.live.subscription() as events:
        yield events


async def drained(events: Subscription, wait: float = 1.0) -> list[LiveEvent]:
    found: list[LiveEvent] = []
    try:
        while True:
            async with asyncio.timeout(wait):
                found.append(await anext(events))
    except TimeoutError:
        return found


async def a_school(harness: HubHarness, lowest_risk: bool = False) -> tuple[str, str]:
    records, _ = await harness.hub.adapters.education.page("4102", None, 20)
    if not lowest_risk:
        return records[0].credit_code, records[0].region
    raising = await assessed(
        harness.hub.adapters, [r.credit_code for r in records], harness.hub.today(), "4102"
    )
    low = next(r for r in records if r.credit_code not in raising)  # no signal: LOW
    return low.credit_code, low.region


async def test_an_overdue_referral_is_announced_to_the_department_it_waits_on_once(
    harness: HubHarness,
) -> None:
    hub = harness.hub
    early = hub.today() - timedelta(days=30)
    cases = CaseService(hub.sessions, hub.settings.cases, today=lambda: early, live=hub.live)
    code, region = await a_school(harness)
    records = await hub.adapters.education.load([code])
    issued = ok(
        await cases.issue_notice(
            EDUCATION, code, records[code], RectificationNotice("basis", ("items",), hub.today())
        )
    )
    async with listening(harness) as events:
        referred = ok(
            await cases.refer(EDUCATION, issued.id, Department.MARKET_SUPERVISION, "fees", 1)
        )
        first = await sweep(hub)
        again = await sweep(hub)
        heard = [a for e in await drained(events) if (a := Assignment.of(e))]

    assert referred.answer_due is not None
    assert referred.answer_due < hub.today()
    assert (first.overdue, again.overdue) == (1, 0)
    assert [(a.case_id, a.department, a.region, a.reason) for a in heard] == [
        (issued.id, Department.MARKET_SUPERVISION, region, AssignmentReason.REFERRED),
        (issued.id, Department.MARKET_SUPERVISION, region, AssignmentReason.OVERDUE),
    ]


async def test_a_risk_gone_up_is_announced_once_and_a_first_look_announces_nothing(
    harness: HubHarness,
) -> None:
    hub = harness.hub
    cases = CaseService(hub.sessions, hub.settings.cases, today=hub.today, live=hub.live)
    code, region = await a_school(harness, lowest_risk=True)
    async with listening(harness) as events:
        first_look = await reassess(hub, [code])
        records = await hub.adapters.education.load([code])
        ok(
            await cases.submit_tip_off(
                EDUCATION,
                records[code],
                TipOffSubmission(
                    credit_code=code,
                    name=None,
                    address=None,
                    category=TipOffCategory.ILLEGAL_FEES,
                    content="the owner is moving out with a year of fees",
                    channel=TipOffChannel.HOTLINE,
                    reporter=None,
                    concerns=(TipOffConcern.ABSCONDING,),
                ),
            )
        )
        raised = await reassess(hub, [code])
        again = await reassess(hub, [code])
        heard = [r for e in await drained(events) if (r := RiskRaise.of(e))]

    assert (first_look, raised, again) == (0, 1, 0)
    assert [(r.credit_code, r.region, r.previous) for r in heard] == [(code, region, RiskLevel.LOW)]
    assert heard[0].level > RiskLevel.LOW


async def test_one_worker_takes_the_sweeps_turn(harness: HubHarness) -> None:
    hub = harness.hub
    sweeper = LiveSweeper(hub)
    now = datetime.now(UTC)
    taken = []
    for _ in range(3):
        async with hub.sessions.begin() as session:
            taken.append(await claim_sweep(session, "test", now, now + timedelta(minutes=5)))

    assert taken == [True, False, False]
    assert sweeper.enabled
