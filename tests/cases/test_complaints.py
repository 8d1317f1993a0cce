"""Refund complaints over a real database (SQLite and PostgreSQL): first-contact
responsibility (首接负责制) until a referral is accepted, mediation with the amount
refunded, and every refusal typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.cases.support import (
    AUDITOR,
    EDUCATION,
    MARKET,
    SCHOOL,
    Workflow,
    failed,
    notice,
    ok,
    school,
    workflow,
)
from xietong.cases.records import (
    CaseAction,
    CaseErrorCode,
    CaseKind,
    CaseStatus,
    ComplaintSubmission,
    Mediation,
    MediationOutcome,
    TipOffChannel,
)
from xietong.domain.departments import Department

SETTLED, NOT_SETTLED = MediationOutcome.SETTLED, MediationOutcome.NOT_SETTLED


def complaint(
    amount: str = "6800", content: str = "closed the class, no refund"
) -> ComplaintSubmission:
    return ComplaintSubmission(SCHOOL, content, Decimal(amount), TipOffChannel.HOTLINE)


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        yield opened


async def test_the_first_contact_stays_responsible_until_market_accepts_and_mediates(
    flow: Workflow,
) -> None:
    cases = flow.cases
    opened = ok(await cases.open_complaint(EDUCATION, school(), complaint()))
    ok(await cases.refer(EDUCATION, opened.id, Department.MARKET_SUPERVISION, "refund", 1))
    too_early = failed(
        await cases.record_mediation(MARKET, opened.id, Mediation(SETTLED, Decimal(0), "x"), 2)
    )
    ok(await cases.accept(MARKET, opened.id, 2))
    failed_talks = ok(
        await cases.record_mediation(
            MARKET, opened.id, Mediation(NOT_SETTLED, Decimal(0), "refused to meet"), 3
        )
    )
    settled = ok(
        await cases.record_mediation(
            MARKET, opened.id, Mediation(SETTLED, Decimal("6800.00"), "refunded in full"), 4
        )
    )

    assert (opened.kind, opened.status, opened.responsible) == (
        CaseKind.COMPLAINT,
        CaseStatus.OPEN,
        Department.EDUCATION,
    )
    assert opened.details["amountClaimed"] == "6800.00"
    assert too_early.code is CaseErrorCode.NOT_PERMITTED  # education is still responsible
    assert failed_talks.status is CaseStatus.OPEN
    assert (settled.status, settled.outcome) == (CaseStatus.CLOSED, "refunded in full")
    assert settled.details["mediation"]["amountRefunded"] == "6800.00"
    assert [s.action for s in settled.timeline] == [
        CaseAction.COMPLAINT_OPENED,
        CaseAction.REFERRED,
        CaseAction.REFERRAL_ACCEPTED,
        CaseAction.MEDIATED,
        CaseAction.MEDIATED,
    ]


async def test_refusals_on_complaints(flow: Workflow) -> None:
    cases = flow.cases
    notice_case = ok(await cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))
    opened = ok(await cases.open_complaint(MARKET, school(), complaint()))
    refusals = {
        "auditor": failed(await cases.open_complaint(AUDITOR, school(), complaint())),
        "unknown": failed(await cases.open_complaint(EDUCATION, None, complaint())),
        "outside": failed(
            await cases.open_complaint(EDUCATION, school(region="410105"), complaint())
        ),
        "negative": failed(await cases.open_complaint(EDUCATION, school(), complaint("-1"))),
        "huge": failed(await cases.open_complaint(EDUCATION, school(), complaint("1e12"))),
        "empty": failed(await cases.open_complaint(EDUCATION, school(), complaint(content=""))),
        "not responsible": failed(
            await cases.record_mediation(
                EDUCATION, opened.id, Mediation(SETTLED, Decimal(1), "x"), 1
            )
        ),
        "a notice": failed(
            await cases.record_mediation(
                EDUCATION, notice_case.id, Mediation(SETTLED, Decimal(1), "x"), 1
            )
        ),
        "stale": failed(
            await cases.record_mediation(MARKET, opened.id, Mediation(SETTLED, Decimal(1), "x"), 5)
        ),
    }
    ok(await cases.record_mediation(MARKET, opened.id, Mediation(SETTLED, Decimal(1), "ok"), 1))
    refusals["closed"] = failed(
        await cases.record_mediation(MARKET, opened.id, Mediation(SETTLED, Decimal(1), "x"), 2)
    )

    assert {name: (r.code, r.field) for name, r in refusals.items()} == {
        "auditor": (CaseErrorCode.NOT_PERMITTED, None),
        "unknown": (CaseErrorCode.NOT_FOUND, "creditCode"),
        "outside": (CaseErrorCode.OUT_OF_SCOPE, "creditCode"),
        "negative": (CaseErrorCode.INVALID, "amountClaimed"),
        "huge": (CaseErrorCode.TOO_LARGE, "amountClaimed"),
        "empty": (CaseErrorCode.INVALID, "content"),
        "not responsible": (CaseErrorCode.NOT_PERMITTED, "caseId"),
        "a notice": (CaseErrorCode.WRONG_STATE, None),
        "stale": (CaseErrorCode.VERSION_CONFLICT, "expectedVersion"),
        "closed": (CaseErrorCode.WRONG_STATE, None),
    }
