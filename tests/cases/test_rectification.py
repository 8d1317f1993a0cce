"""Rectification notices over a real database (SQLite and PostgreSQL): the
lifecycle ISSUED → RESPONDED → REJECTED → RESPONDED → ACCEPTED with its timeline,
official numbers per department and year, gapless under concurrent issuers on two
workers, and every refusal as a value."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.cases.support import (
    AUDITOR,
    EDUCATION,
    FIRE,
    FRIDAY,
    MARKET,
    POLICE,
    SCHOOL,
    Workflow,
    actor,
    failed,
    notice,
    ok,
    school,
    workflow,
)
from xietong.cases.records import CaseAction, CaseErrorCode, CaseStatus
from xietong.cases.rules import MAX_ITEMS
from xietong.cases.service import CaseResult
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.kernel.case_settings import CaseSettings
from xietong.kernel.case_tables import Case, CaseEvent


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        yield opened


async def test_a_notice_is_issued_answered_rejected_answered_again_and_accepted(
    flow: Workflow,
) -> None:
    cases = flow.cases
    issued = ok(await cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))
    answered = ok(await cases.record_response(EDUCATION, issued.id, "licence hung", 1))
    rejected = ok(
        await cases.review_rectification(
            EDUCATION,
            issued.id,
            accepted=False,
            note="hung in the back office",
            follow_up_on=FRIDAY,
            expected_version=2,
        )
    )
    again = ok(await cases.record_response(EDUCATION, issued.id, "moved to the entrance", 3))
    accepted = ok(
        await cases.review_rectification(
            EDUCATION,
            issued.id,
            accepted=True,
            note="in place",
            follow_up_on=FRIDAY,
            expected_version=4,
        )
    )

    assert (issued.status, issued.number, issued.version) == (
        CaseStatus.ISSUED,
        "汴教整改〔2026〕1号",
        1,
    )
    assert issued.details["deadline"] == "2026-12-31"
    assert (answered.status, answered.details["response"]) == (CaseStatus.RESPONDED, "licence hung")
    assert (rejected.status, again.status) == (CaseStatus.REJECTED, CaseStatus.RESPONDED)
    assert (accepted.status, accepted.version, accepted.outcome) == (
        CaseStatus.ACCEPTED,
        5,
        "in place",
    )
    assert accepted.closed_at is not None
    assert [(s.action, s.status) for s in accepted.timeline] == [
        (CaseAction.ISSUED, CaseStatus.ISSUED),
        (CaseAction.RESPONDED, CaseStatus.RESPONDED),
        (CaseAction.REJECTED, CaseStatus.REJECTED),
        (CaseAction.RESPONDED, CaseStatus.RESPONDED),
        (CaseAction.ACCEPTED, CaseStatus.ACCEPTED),
    ]
    assert {(s.department, s.subject, s.client_id) for s in accepted.timeline} == {
        (Department.EDUCATION, "officer-education", "client-education")
    }


async def test_numbers_run_per_department_and_year(flow: Workflow) -> None:
    cases = flow.cases
    numbers = [
        ok(await cases.issue_notice(who, SCHOOL, school(), notice())).number
        for who in (EDUCATION, MARKET, EDUCATION, FIRE)
    ]
    flow.calendar.day = date(2027, 1, 4)
    numbers.append(
        ok(
            await cases.issue_notice(EDUCATION, SCHOOL, school(), notice(deadline=date(2027, 2, 1)))
        ).number
    )

    assert numbers == [
        "汴教整改〔2026〕1号",
        "汴市监整改〔2026〕1号",
        "汴教整改〔2026〕2号",
        "汴消整改〔2026〕1号",
        "汴教整改〔2027〕1号",
    ]


async def test_the_abbreviation_is_configuration(hub_database_url: str) -> None:
    settings = CaseSettings.from_env({"XIETONG_CASE_NOTICE_PREFIXES": "EDUCATION=郑教"})
    async with workflow(hub_database_url, settings) as flow:
        issued = ok(await flow.cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))
        refused = failed(await flow.cases.issue_notice(MARKET, SCHOOL, school(), notice()))

    assert issued.number == "郑教整改〔2026〕1号"
    assert refused.code is CaseErrorCode.NOT_PERMITTED


async def test_sixteen_concurrent_issuers_on_two_workers_get_sixteen_gapless_numbers(
    hub_database_url: str,
) -> None:
    async with workflow(hub_database_url) as one, workflow(hub_database_url) as two:
        results = await asyncio.gather(
            *(
                (one if i % 2 else two).cases.issue_notice(EDUCATION, SCHOOL, school(), notice())
                for i in range(16)
            )
        )
        async with one.sessions() as session:
            stored = set(await session.scalars(select(Case.number)))

    numbers = {ok(result).number for result in results}
    assert numbers == stored == {f"汴教整改〔2026〕{n}号" for n in range(1, 17)}


async def test_concurrent_responses_on_one_version_let_exactly_one_through(
    hub_database_url: str,
) -> None:
    async with workflow(hub_database_url) as one, workflow(hub_database_url) as two:
        issued = ok(await one.cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))
        results = await asyncio.gather(
            *(
                flow.cases.record_response(EDUCATION, issued.id, f"answer {i}", 1)
                for i, flow in enumerate((one, two, one, two))
            )
        )
        async with one.sessions() as session:
            steps = await session.scalar(
                select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == issued.id)
            )

    # A loser that read the case before the winner wrote is told its version is
    # stale; one that read it after, that the notice is already answered.
    codes = [getattr(r, "code", "OK") for r in results]
    assert codes.count("OK") == 1
    assert set(codes) - {"OK"} <= {CaseErrorCode.VERSION_CONFLICT, CaseErrorCode.WRONG_STATE}
    assert steps == 2


async def test_who_may_issue_a_notice_where_and_what(flow: Workflow) -> None:
    """One database for all the refusals (a fresh PostgreSQL schema costs more
    than the checks): none of them takes a number."""
    cases = flow.cases
    district = actor(Department.EDUCATION, "410202")
    refusals = [
        await cases.issue_notice(POLICE, SCHOOL, school(), notice()),
        await cases.issue_notice(AUDITOR, SCHOOL, school(), notice()),
        await cases.issue_notice(EDUCATION, SCHOOL, school(region="410105"), notice()),
        await cases.issue_notice(district, SCHOOL, school(), notice()),
        await cases.issue_notice(EDUCATION, SCHOOL, None, notice()),
        await cases.issue_notice(EDUCATION, SCHOOL, school(), notice(items=())),
        await cases.issue_notice(EDUCATION, SCHOOL, school(), notice(items=("  ",))),
        await cases.issue_notice(EDUCATION, SCHOOL, school(), notice(basis="")),
        await cases.issue_notice(EDUCATION, SCHOOL, school(), notice(deadline=FRIDAY)),
        await cases.issue_notice(
            EDUCATION, SCHOOL, school(), notice(items=("x",) * (MAX_ITEMS + 1))
        ),
        await cases.issue_notice(EDUCATION, SCHOOL, school(), notice(basis="x" * 2001)),
    ]
    issued = ok(await cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))

    assert [(failed(r).code, failed(r).field) for r in refusals] == [
        (CaseErrorCode.NOT_PERMITTED, None),
        (CaseErrorCode.NOT_PERMITTED, None),
        (CaseErrorCode.OUT_OF_SCOPE, "creditCode"),
        (CaseErrorCode.OUT_OF_SCOPE, "creditCode"),
        (CaseErrorCode.NOT_FOUND, "creditCode"),
        (CaseErrorCode.INVALID, "items"),
        (CaseErrorCode.INVALID, "items"),
        (CaseErrorCode.INVALID, "basis"),
        (CaseErrorCode.INVALID, "deadline"),
        (CaseErrorCode.TOO_LARGE, "items"),
        (CaseErrorCode.TOO_LARGE, "basis"),
    ]
    assert issued.number == "汴教整改〔2026〕1号"
    async with flow.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1


async def test_refusals_on_a_notice(flow: Workflow) -> None:
    cases = flow.cases
    issued = ok(await cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))

    async def review(who: Actor, version: int, on: date = FRIDAY) -> CaseResult:
        return await cases.review_rectification(
            who, issued.id, accepted=True, note="ok", follow_up_on=on, expected_version=version
        )

    refusals = {
        "unknown": failed(await cases.record_response(EDUCATION, "no-such-case", "x", 1)),
        "other department": failed(await cases.record_response(MARKET, issued.id, "x", 1)),
        "auditor": failed(await cases.record_response(AUDITOR, issued.id, "x", 1)),
        "district": failed(
            await cases.record_response(actor(Department.EDUCATION, "410202"), issued.id, "x", 1)
        ),
        "empty": failed(await cases.record_response(EDUCATION, issued.id, " ", 1)),
        "too long": failed(await cases.record_response(EDUCATION, issued.id, "x" * 20_001, 1)),
        "not answered": failed(await review(EDUCATION, 1)),
        "stale": failed(await cases.record_response(EDUCATION, issued.id, "x", 7)),
    }
    ok(await cases.record_response(EDUCATION, issued.id, "done", 1))
    refusals["inspected tomorrow"] = failed(await review(EDUCATION, 2, date(2026, 11, 28)))
    ok(await review(EDUCATION, 2))
    refusals["accepted is final"] = failed(
        await cases.record_response(EDUCATION, issued.id, "x", 3)
    )

    assert {name: (r.code, r.field) for name, r in refusals.items()} == {
        "unknown": (CaseErrorCode.NOT_FOUND, "caseId"),
        "other department": (CaseErrorCode.NOT_PERMITTED, "caseId"),
        "auditor": (CaseErrorCode.NOT_PERMITTED, "caseId"),
        "district": (CaseErrorCode.OUT_OF_SCOPE, "caseId"),
        "empty": (CaseErrorCode.INVALID, "response"),
        "too long": (CaseErrorCode.TOO_LARGE, "response"),
        "not answered": (CaseErrorCode.WRONG_STATE, None),
        "stale": (CaseErrorCode.VERSION_CONFLICT, "expectedVersion"),
        "inspected tomorrow": (CaseErrorCode.INVALID, "followUpInspectedOn"),
        "accepted is final": (CaseErrorCode.WRONG_STATE, None),
    }
