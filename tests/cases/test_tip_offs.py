"""Tip-offs over a real database (SQLite and PostgreSQL): taken by any department
about a listed institution or an unlisted operator, the reporter sealed at rest
(AES-GCM, key in the hub store, rotated) and opened only on request, a reward of
200-2,000 yuan decided once by education, and every refusal typed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from tests.cases.support import (
    AUDITOR,
    EDUCATION,
    MARKET,
    SCHOOL,
    Workflow,
    actor,
    failed,
    ok,
    school,
    workflow,
)
from xietong.cases.confidential import SealError, rotate_reporter_key
from xietong.cases.records import (
    CaseAction,
    CaseErrorCode,
    CaseKind,
    CaseStatus,
    Reporter,
    TipOffCategory,
    TipOffChannel,
    TipOffSubmission,
)
from xietong.domain.departments import Department
from xietong.kernel.case_tables import Case
from xietong.kernel.db import create_sync_engine

WHISTLEBLOWER = Reporter("王小明", "13800138000")


def tip_off(
    credit_code: str | None = SCHOOL,
    *,
    name: str | None = None,
    address: str | None = None,
    content: str = "takes a year of fees in advance and refuses refunds",
    reporter: Reporter | None = WHISTLEBLOWER,
) -> TipOffSubmission:
    return TipOffSubmission(
        credit_code=credit_code,
        name=name,
        address=address,
        category=TipOffCategory.ILLEGAL_FEES,
        content=content,
        channel=TipOffChannel.HOTLINE,
        reporter=reporter,
    )


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        yield opened


async def test_a_tip_off_is_taken_referred_rewarded_and_its_reporter_sealed(
    flow: Workflow,
) -> None:
    cases = flow.cases
    taken = ok(await cases.submit_tip_off(EDUCATION, school(), tip_off()))
    referred = ok(
        await cases.refer(EDUCATION, taken.id, Department.MARKET_SUPERVISION, "refunds", 1)
    )
    answered = ok(await cases.accept(MARKET, taken.id, 2))
    rewarded = ok(await cases.decide_reward(EDUCATION, taken.id, Decimal("500"), "true", 3))
    async with flow.sessions() as session:
        stored = await session.scalar(select(Case.details).where(Case.id == taken.id))

    assert (taken.kind, taken.status, taken.region) == (CaseKind.TIP_OFF, CaseStatus.OPEN, "410204")
    assert taken.details["category"] == "ILLEGAL_FEES"
    assert referred.assigned_to is Department.MARKET_SUPERVISION
    assert answered.responsible is Department.MARKET_SUPERVISION
    assert rewarded.details["reward"]["amount"] == "500.00"
    assert rewarded.timeline[-1].action is CaseAction.REWARD_DECIDED
    assert stored is not None
    assert "王小明" not in json.dumps(stored, ensure_ascii=False)
    assert "13800138000" not in json.dumps(stored, ensure_ascii=False)
    assert await cases.reporter(rewarded) == WHISTLEBLOWER


async def test_a_tip_off_about_an_unlisted_operator_and_an_anonymous_one(flow: Workflow) -> None:
    unlisted = ok(
        await flow.cases.submit_tip_off(
            MARKET, None, tip_off(None, name="星星补习班", address="鼓楼区书店街12号")
        )
    )
    anonymous = ok(await flow.cases.submit_tip_off(EDUCATION, school(), tip_off(reporter=None)))

    assert (unlisted.credit_code, unlisted.region) == (None, "410200")
    assert unlisted.details["subjectName"] == "星星补习班"
    assert unlisted.opened_by_department is Department.MARKET_SUPERVISION
    assert await flow.cases.reporter(anonymous) is None


async def test_rotation_seals_new_reporters_with_the_new_key_and_opens_old_ones(
    flow: Workflow, hub_database_url: str
) -> None:
    before = ok(await flow.cases.submit_tip_off(EDUCATION, school(), tip_off()))
    engine = create_sync_engine(hub_database_url)
    try:
        kid = rotate_reporter_key(engine)
    finally:
        engine.dispose()
    after = ok(await flow.cases.submit_tip_off(EDUCATION, school(), tip_off()))

    assert before.details["reporter"]["kid"] != kid
    assert after.details["reporter"]["kid"] == kid
    assert await flow.cases.reporter(before) == WHISTLEBLOWER
    assert await flow.cases.reporter(after) == WHISTLEBLOWER


async def test_a_sealed_reporter_moved_to_another_case_does_not_open(flow: Workflow) -> None:
    one = ok(await flow.cases.submit_tip_off(EDUCATION, school(), tip_off()))
    other = ok(await flow.cases.submit_tip_off(EDUCATION, school(), tip_off(reporter=None)))
    async with flow.sessions.begin() as session:
        await session.execute(
            update(Case)
            .where(Case.id == other.id)
            .values(details={**other.details, "reporter": one.details["reporter"]})
        )
    moved = await flow.cases.get(other.id)
    assert moved is not None

    with pytest.raises(SealError):
        await flow.cases.reporter(moved)


async def test_refusals_on_tip_offs(flow: Workflow) -> None:
    cases = flow.cases
    refusals = {
        "auditor": failed(await cases.submit_tip_off(AUDITOR, school(), tip_off())),
        "outside": failed(
            await cases.submit_tip_off(EDUCATION, school(region="410105"), tip_off())
        ),
        "unknown": failed(await cases.submit_tip_off(EDUCATION, None, tip_off())),
        "nobody": failed(await cases.submit_tip_off(EDUCATION, None, tip_off(None))),
        "empty": failed(await cases.submit_tip_off(EDUCATION, school(), tip_off(content=" "))),
        "long phone": failed(
            await cases.submit_tip_off(
                EDUCATION, school(), tip_off(reporter=Reporter("王", "1" * 201))
            )
        ),
    }
    taken = ok(await cases.submit_tip_off(MARKET, school(), tip_off()))
    refusals["reward by market"] = failed(
        await cases.decide_reward(MARKET, taken.id, Decimal(500), "true", 1)
    )
    refusals["education not involved"] = failed(
        await cases.decide_reward(EDUCATION, taken.id, Decimal(500), "true", 1)
    )
    ok(await cases.refer(MARKET, taken.id, Department.EDUCATION, "reward?", 1))
    refusals["too little"] = failed(
        await cases.decide_reward(EDUCATION, taken.id, Decimal("199.99"), "true", 2)
    )
    refusals["too much"] = failed(
        await cases.decide_reward(EDUCATION, taken.id, Decimal("2000.01"), "true", 2)
    )
    refusals["district"] = failed(
        await cases.decide_reward(
            actor(Department.EDUCATION, "410202"), taken.id, Decimal(500), "true", 2
        )
    )
    ok(await cases.decide_reward(EDUCATION, taken.id, Decimal(2000), "true", 2))
    refusals["twice"] = failed(await cases.decide_reward(EDUCATION, taken.id, Decimal(200), "x", 3))
    refusals["respond to a tip-off"] = failed(await cases.record_response(MARKET, taken.id, "x", 3))

    assert {name: (r.code, r.field) for name, r in refusals.items()} == {
        "auditor": (CaseErrorCode.NOT_PERMITTED, None),
        "outside": (CaseErrorCode.OUT_OF_SCOPE, "subject.creditCode"),
        "unknown": (CaseErrorCode.NOT_FOUND, "subject.creditCode"),
        "nobody": (CaseErrorCode.INVALID, "subject"),
        "empty": (CaseErrorCode.INVALID, "content"),
        "long phone": (CaseErrorCode.TOO_LARGE, "reporter.phone"),
        "reward by market": (CaseErrorCode.NOT_PERMITTED, None),
        "education not involved": (CaseErrorCode.NOT_PERMITTED, "caseId"),
        "too little": (CaseErrorCode.INVALID, "amount"),
        "too much": (CaseErrorCode.INVALID, "amount"),
        "district": (CaseErrorCode.OUT_OF_SCOPE, "caseId"),
        "twice": (CaseErrorCode.WRONG_STATE, None),
        "respond to a tip-off": (CaseErrorCode.WRONG_STATE, None),
    }
