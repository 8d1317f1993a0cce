"""Inspections over a real database (SQLite and PostgreSQL): a joint inspection is
joint only once every department listed has confirmed its findings; refusals typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from tests.cases.support import (
    AUDITOR,
    EDUCATION,
    FIRE,
    FRIDAY,
    MARKET,
    POLICE,
    SCHOOL,
    Workflow,
    failed,
    ok,
    school,
    workflow,
)
from xietong.cases.records import (
    CaseAction,
    CaseErrorCode,
    CaseStatus,
    Finding,
    InspectionKind,
    InspectionSubmission,
)
from xietong.domain.departments import Department

E, M, F = Department.EDUCATION, Department.MARKET_SUPERVISION, Department.FIRE_SAFETY


def inspection(
    kind: InspectionKind = InspectionKind.JOINT,
    departments: tuple[Department, ...] = (E, M, F),
    findings: tuple[Finding, ...] = (
        Finding(E, "licence displayed", "yes"),
        Finding(M, "fee schedule published", "no", "only on request"),
        Finding(F, "fire exits", "blocked"),
    ),
    on: date = FRIDAY,
) -> InspectionSubmission:
    return InspectionSubmission(SCHOOL, on, kind, departments, findings)


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        yield opened


async def test_a_joint_inspection_is_joint_once_every_department_confirmed(flow: Workflow) -> None:
    cases = flow.cases
    recorded = ok(await cases.record_inspection(EDUCATION, school(), inspection()))
    by_market = ok(await cases.confirm_findings(MARKET, recorded.id, 1))
    by_fire = ok(await cases.confirm_findings(FIRE, recorded.id, 2))
    alone = ok(
        await cases.record_inspection(
            FIRE,
            school(),
            inspection(InspectionKind.ROUTINE, (F,), (Finding(F, "extinguishers", "ok"),)),
        )
    )

    assert (recorded.status, recorded.details["confirmedBy"]) == (CaseStatus.OPEN, ["EDUCATION"])
    assert set(recorded.involved) == {E, M, F}
    assert by_market.status is CaseStatus.OPEN
    assert (by_fire.status, sorted(by_fire.details["confirmedBy"])) == (
        CaseStatus.CONFIRMED,
        ["EDUCATION", "FIRE_SAFETY", "MARKET_SUPERVISION"],
    )
    assert by_fire.closed_at is not None
    assert [s.action for s in by_fire.timeline] == [
        CaseAction.INSPECTION_RECORDED,
        CaseAction.FINDINGS_CONFIRMED,
        CaseAction.FINDINGS_CONFIRMED,
    ]
    assert alone.status is CaseStatus.CONFIRMED


async def test_refusals_on_inspections(flow: Workflow) -> None:
    cases = flow.cases
    joint = ok(await cases.record_inspection(EDUCATION, school(), inspection()))
    refusals = {
        "not taking part": failed(await cases.record_inspection(POLICE, school(), inspection())),
        "auditor": failed(await cases.record_inspection(AUDITOR, school(), inspection())),
        "unknown": failed(await cases.record_inspection(EDUCATION, None, inspection())),
        "outside": failed(
            await cases.record_inspection(EDUCATION, school(region="410105"), inspection())
        ),
        "joint alone": failed(
            await cases.record_inspection(
                EDUCATION, school(), inspection(departments=(E,), findings=())
            )
        ),
        "stray finding": failed(
            await cases.record_inspection(
                EDUCATION,
                school(),
                inspection(departments=(E, M), findings=(Finding(F, "x", "y"),)),
            )
        ),
        "tomorrow": failed(
            await cases.record_inspection(EDUCATION, school(), inspection(on=date(2026, 11, 28)))
        ),
        "too many": failed(
            await cases.record_inspection(
                EDUCATION, school(), inspection(findings=(Finding(E, "x", "y"),) * 51)
            )
        ),
        "confirm twice": failed(await cases.confirm_findings(EDUCATION, joint.id, 1)),
        "police confirms": failed(await cases.confirm_findings(POLICE, joint.id, 1)),
        "stale": failed(await cases.confirm_findings(MARKET, joint.id, 3)),
    }

    assert {name: (r.code, r.field) for name, r in refusals.items()} == {
        "not taking part": (CaseErrorCode.NOT_PERMITTED, "departments"),
        "auditor": (CaseErrorCode.NOT_PERMITTED, "departments"),
        "unknown": (CaseErrorCode.NOT_FOUND, "creditCode"),
        "outside": (CaseErrorCode.OUT_OF_SCOPE, "creditCode"),
        "joint alone": (CaseErrorCode.INVALID, "departments"),
        "stray finding": (CaseErrorCode.INVALID, "findings"),
        "tomorrow": (CaseErrorCode.INVALID, "inspectedOn"),
        "too many": (CaseErrorCode.TOO_LARGE, "findings"),
        "confirm twice": (CaseErrorCode.WRONG_STATE, None),
        "police confirms": (CaseErrorCode.NOT_PERMITTED, "caseId"),
        "stale": (CaseErrorCode.VERSION_CONFLICT, "expectedVersion"),
    }
