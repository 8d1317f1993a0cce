"""The demo's joint cases, so the inbox has something in it from the start: an
open notice, one overdue, a tip-off awaiting its reward, a referral to market
supervision overdue and one waiting inside its 10 working days; a refund complaint
market received first and referred to education, one settled by mediation; a joint
inspection of education and fire safety waiting for fire's confirmation, and a
routine one of market's.

Made once (nothing is added to a store that already has cases), as the demo
clients would have made them, dated before the demo's reference date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from xietong.cases.records import (
    CaseFailure,
    CaseRecord,
    ComplaintSubmission,
    Finding,
    InspectionKind,
    InspectionSubmission,
    Mediation,
    MediationOutcome,
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
from xietong.domain.records import Institution
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
    records, _ = await hub.adapters.education.page(CITY[:4], None, 8)
    if len(records) < 6:
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
    return 3 + await _complaints_and_inspections(on, records[3:6], today)


async def _complaints_and_inspections(
    on: Callable[[date], CaseService], records: Sequence[Institution], today: date
) -> int:
    fourth, fifth, sixth = records
    early = today - timedelta(days=12)
    refund = _ok(
        await on(early).open_complaint(
            MARKET,
            fourth,
            ComplaintSubmission(
                fourth.credit_code,
                "停课后拒绝退还剩余课时费",
                Decimal("3600.00"),
                TipOffChannel.HOTLINE,
            ),
        )
    )
    _ok(await on(early).refer(MARKET, refund.id, Department.EDUCATION, "涉及预收费监管", 1))
    settled = _ok(
        await on(early).open_complaint(
            MARKET,
            fifth,
            ComplaintSubmission(
                fifth.credit_code, "转让后课程缩水", Decimal("1200.00"), TipOffChannel.ONLINE
            ),
        )
    )
    _ok(
        await on(today).record_mediation(
            MARKET,
            settled.id,
            Mediation(MediationOutcome.SETTLED, Decimal("1200.00"), "机构全额退费，双方签字"),
            1,
        )
    )
    _ok(
        await on(today).record_inspection(
            EDUCATION,
            sixth,
            InspectionSubmission(
                sixth.credit_code,
                today - timedelta(days=2),
                InspectionKind.JOINT,
                (Department.EDUCATION, Department.FIRE_SAFETY),
                (
                    Finding(Department.EDUCATION, "办学许可证公示", "未悬挂"),
                    Finding(Department.FIRE_SAFETY, "安全出口", "堵塞", "当场责令清理"),
                ),
            ),
        )
    )
    _ok(
        await on(today).record_inspection(
            MARKET,
            fourth,
            InspectionSubmission(
                fourth.credit_code,
                today - timedelta(days=1),
                InspectionKind.ROUTINE,
                (Department.MARKET_SUPERVISION,),
                (Finding(Department.MARKET_SUPERVISION, "收费公示", "符合"),),
            ),
        )
    )
    return 4


def _ok(result: CaseResult) -> CaseRecord:
    if isinstance(result, CaseFailure):
        raise RuntimeError(f"demo case refused: {result.code}: {result.message}")
    return result
