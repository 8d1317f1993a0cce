"""The demo's joint cases, so the inbox has something in it from the start: an
open notice, one overdue, a tip-off awaiting its reward, a referral to market
supervision overdue and one waiting inside its 10 working days.

Made once (nothing is added to a store that already has cases), as the demo
clients would have made them, dated before the demo's reference date.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from xietong.cases.records import (
    CaseFailure,
    CaseRecord,
    RectificationNotice,
    Reporter,
    TipOffCategory,
    TipOffChannel,
    TipOffConcern,
    TipOffSubmission,
)
from xietong.cases.service import CaseResult, CaseService
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.hub.services import Hub
from xietong.kernel.case_tables import Case

CITY = "410200"
EDUCATION = Actor(Department.EDUCATION, CITY, "demo-education", "demo-education")
MARKET = Actor(Department.MARKET_SUPERVISION, CITY, "demo-market", "demo-market")
BASIS = "《校外培训行政处罚暂行办法》第十四条"


async def seed_demo_cases(hub: Hub) -> int:
    """Add the demo's cases unless the store has some; how many were added."""
    async with hub.sessions() as session:
        if await session.scalar(select(func.count()).select_from(Case)):
            return 0
    records, _ = await hub.adapters.education.page(CITY[:4], None, 5)
    if len(records) < 3:
        return 0
    today = hub.today()

    def on(day: date) -> CaseService:
        return CaseService(hub.sessions, hub.settings.cases, today=lambda: day)

    first, second, third = records[0], records[1], records[2]
    early = today - timedelta(days=30)
    made = [
        await on(today).issue_notice(
            EDUCATION,
            first.credit_code,
            first,
            RectificationNotice(
                BASIS, ("hang the school licence at the entrance",), today + timedelta(days=20)
            ),
        ),
        await on(early).issue_notice(
            EDUCATION,
            second.credit_code,
            second,
            RectificationNotice(
                BASIS, ("publish the fee schedule", "refund the 2 families"), early + timedelta(15)
            ),
        ),
    ]
    tip_off = _ok(
        await on(early).submit_tip_off(
            EDUCATION,
            third,
            TipOffSubmission(
                credit_code=third.credit_code,
                name=None,
                address=None,
                category=TipOffCategory.ILLEGAL_FEES,
                content="收取一年以上学费，拒绝退费",
                channel=TipOffChannel.HOTLINE,
                reporter=Reporter("王小明", "13800138000"),
                concerns=(TipOffConcern.REFUND_REFUSED,),
            ),
        )
    )
    overdue = _ok(
        await on(early).refer(
            EDUCATION, tip_off.id, Department.MARKET_SUPERVISION, "预收费超期，请核查", 1
        )
    )
    waiting = _ok(made[0])
    made += [
        overdue,
        await on(today).refer(
            EDUCATION, waiting.id, Department.MARKET_SUPERVISION, "经营范围待核", 1
        ),
    ]
    for result in made:
        _ok(result)
    return 3


def _ok(result: CaseResult) -> CaseRecord:
    if isinstance(result, CaseFailure):
        raise RuntimeError(f"demo case refused: {result.code}: {result.message}")
    return result
