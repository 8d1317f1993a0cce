"""Referral between departments over a real database (SQLite and PostgreSQL):
refer, accept, return, close; first-contact responsibility until a referral is
accepted; an answer due in 10 working days, overdue after; the inbox; and one
access-log event per action, committed with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.cases.support import (
    AUDITOR,
    EDUCATION,
    FIRE,
    MARKET,
    SCHOOL,
    Workflow,
    failed,
    notice,
    ok,
    school,
    workflow,
)
from xietong.audit.events import AuditDraft
from xietong.audit.in_transaction import WriteEvent
from xietong.audit.verify import verify_chain
from xietong.cases.calendar import WorkingCalendar
from xietong.cases.records import CaseAction, CaseErrorCode, CaseFilter, CaseRecord, CaseStatus
from xietong.domain.departments import Department
from xietong.kernel.case_tables import CaseEvent
from xietong.kernel.db import create_sync_engine
from xietong.kernel.store import AuditEvent

DUE = date(2026, 12, 11)
"""Ten working days after Friday 27 November 2026."""


@pytest.fixture
async def flow(hub_database_url: str) -> AsyncIterator[Workflow]:
    async with workflow(hub_database_url) as opened:
        yield opened


async def referred(flow: Workflow) -> CaseRecord:
    issued = ok(await flow.cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))
    return ok(
        await flow.cases.refer(EDUCATION, issued.id, Department.MARKET_SUPERVISION, "fees", 1)
    )


async def inbox(flow: Workflow, **where: Any) -> list[str]:
    found, total = await flow.cases.page(
        region_prefix="4102",
        where=CaseFilter(**where),
        after=None,
        limit=50,
    )
    assert total == len(found)
    return [case.id for case in found]


async def test_a_referral_accepted_moves_responsibility_and_is_closed_by_its_new_holder(
    flow: Workflow,
) -> None:
    case = await referred(flow)
    before = failed(await flow.cases.close(MARKET, case.id, "refunded", 2))
    accepted = ok(await flow.cases.accept(MARKET, case.id, 2))
    closed = ok(await flow.cases.close(MARKET, case.id, "refunded 3,000 yuan", 3))

    assert (case.responsible, case.assigned_to, case.referred_by, case.answer_due) == (
        Department.EDUCATION,
        Department.MARKET_SUPERVISION,
        Department.EDUCATION,
        DUE,
    )
    assert before.code is CaseErrorCode.NOT_PERMITTED  # education stays responsible until then
    assert (accepted.responsible, accepted.assigned_to, accepted.referral_pending) == (
        Department.MARKET_SUPERVISION,
        Department.MARKET_SUPERVISION,
        False,
    )
    assert (closed.status, closed.outcome) == (CaseStatus.CLOSED, "refunded 3,000 yuan")
    assert closed.involved == (Department.EDUCATION, Department.MARKET_SUPERVISION)
    assert [(s.action, s.department) for s in closed.timeline] == [
        (CaseAction.ISSUED, Department.EDUCATION),
        (CaseAction.REFERRED, Department.EDUCATION),
        (CaseAction.REFERRAL_ACCEPTED, Department.MARKET_SUPERVISION),
        (CaseAction.CLOSED, Department.MARKET_SUPERVISION),
    ]


async def test_a_returned_referral_goes_back_to_the_first_contact(flow: Workflow) -> None:
    case = await referred(flow)
    returned = ok(await flow.cases.return_case(MARKET, case.id, "not a fee matter", 2))
    again = ok(await flow.cases.refer(EDUCATION, case.id, Department.FIRE_SAFETY, "exits", 3))

    assert (returned.responsible, returned.assigned_to, returned.referral_pending) == (
        Department.EDUCATION,
        Department.EDUCATION,
        False,
    )
    assert returned.timeline[-1].note == "not a fee matter"
    assert again.involved == (
        Department.EDUCATION,
        Department.MARKET_SUPERVISION,
        Department.FIRE_SAFETY,
    )


async def test_a_referral_unanswered_after_ten_working_days_is_overdue_to_everyone_involved(
    flow: Workflow,
) -> None:
    case = await referred(flow)
    other = ok(await flow.cases.issue_notice(FIRE, SCHOOL, school(), notice()))
    flow.calendar.day = DUE
    on_time = {
        "market": await inbox(flow, overdue=True, visible_to=Department.MARKET_SUPERVISION),
        "auditors": await inbox(flow, overdue=True),
    }
    flow.calendar.day = date(2026, 12, 14)  # the Monday after: the weekend does not count
    late = {
        "education": await inbox(flow, overdue=True, visible_to=Department.EDUCATION),
        "market": await inbox(flow, overdue=True, visible_to=Department.MARKET_SUPERVISION),
        "auditors": await inbox(flow, overdue=True),
        "fire": await inbox(flow, overdue=True, visible_to=Department.FIRE_SAFETY),
    }
    fire_on_time = await inbox(flow, overdue=False, visible_to=Department.FIRE_SAFETY)

    assert on_time == {"market": [], "auditors": []}
    assert late == {"education": [case.id], "market": [case.id], "auditors": [case.id], "fire": []}
    assert fire_on_time == [other.id]
    found = ok(await flow.cases.accept(MARKET, case.id, 2))
    assert not found.overdue_on(date(2026, 12, 14))


async def test_the_inbox_filters_and_pages(flow: Workflow) -> None:
    first = await referred(flow)
    second = ok(await flow.cases.issue_notice(EDUCATION, SCHOOL, school(), notice()))
    market = ok(await flow.cases.issue_notice(MARKET, "91410204MA9F1A2B3D", school(), notice()))

    assert await inbox(flow, assigned_to=Department.MARKET_SUPERVISION) == [market.id, first.id]
    assert await inbox(flow, visible_to=Department.EDUCATION) == [second.id, first.id]
    assert await inbox(flow, credit_code="91410204MA9F1A2B3D") == [market.id]
    assert await inbox(flow, status=CaseStatus.ISSUED, visible_to=Department.FIRE_SAFETY) == []
    page, total = await flow.cases.page(
        region_prefix="4102", where=CaseFilter(), after=None, limit=2
    )
    last = page[-1]
    rest, _ = await flow.cases.page(
        region_prefix="4102", where=CaseFilter(), after=(last.opened_at, last.id), limit=2
    )
    assert total == 3
    assert [c.id for c in [*page, *rest]] == [market.id, second.id, first.id]
    outside, none = await flow.cases.page(
        region_prefix="4101", where=CaseFilter(), after=None, limit=50
    )
    assert (outside, none) == ([], 0)


async def test_refusals_on_referral(flow: Workflow) -> None:
    case = await referred(flow)
    cases = flow.cases
    refusals = {
        "refer again": failed(
            await cases.refer(EDUCATION, case.id, Department.FIRE_SAFETY, "x", 2)
        ),
        "not its referral": failed(await cases.accept(FIRE, case.id, 2)),
        "referrer accepts": failed(await cases.accept(EDUCATION, case.id, 2)),
        "auditor accepts": failed(await cases.accept(AUDITOR, case.id, 2)),
        "return without reason": failed(await cases.return_case(MARKET, case.id, "", 2)),
        "stale": failed(await cases.accept(MARKET, case.id, 1)),
        "unknown": failed(await cases.accept(MARKET, "nope", 1)),
    }
    ok(await cases.return_case(MARKET, case.id, "not ours", 2))
    refusals["to auditors"] = failed(
        await cases.refer(EDUCATION, case.id, Department.AUDIT, "x", 3)
    )
    refusals["to itself"] = failed(
        await cases.refer(EDUCATION, case.id, Department.EDUCATION, "x", 3)
    )
    refusals["accept a returned one"] = failed(await cases.accept(MARKET, case.id, 3))
    ok(await cases.close(EDUCATION, case.id, "institution closed down", 3))
    refusals["closed is final"] = failed(
        await cases.refer(EDUCATION, case.id, Department.FIRE_SAFETY, "x", 4)
    )

    assert {name: r.code for name, r in refusals.items()} == {
        "refer again": CaseErrorCode.WRONG_STATE,
        "not its referral": CaseErrorCode.NOT_PERMITTED,
        "referrer accepts": CaseErrorCode.NOT_PERMITTED,
        "auditor accepts": CaseErrorCode.NOT_PERMITTED,
        "return without reason": CaseErrorCode.INVALID,
        "stale": CaseErrorCode.VERSION_CONFLICT,
        "unknown": CaseErrorCode.NOT_FOUND,
        "to auditors": CaseErrorCode.INVALID,
        "to itself": CaseErrorCode.INVALID,
        "accept a returned one": CaseErrorCode.NOT_PERMITTED,
        "closed is final": CaseErrorCode.WRONG_STATE,
    }


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days() -> None:
    plain = WorkingCalendar()
    national_day = WorkingCalendar(
        holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
        workdays=frozenset({date(2026, 10, 10)}),
    )

    assert plain.add_working_days(date(2026, 11, 27), 10) == DUE
    assert plain.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 5)
    # 1-7 October off, Saturday 10 October worked: 8, 9, 10, 12, 13.
    assert national_day.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def request_of(department: Department) -> AuditDraft:
    return AuditDraft(
        client_id=f"client-{department.value.lower()}",
        subject="officer",
        department=department.value,
        roles=[department.value.lower()],
        region="410200",
        operation_type="mutation",
        operation_name="CaseChange",
    )


async def test_each_action_commits_with_exactly_one_access_log_event(
    flow: Workflow, hub_database_url: str
) -> None:
    education = flow.as_request(WriteEvent(request_of(Department.EDUCATION)))
    market = flow.as_request(WriteEvent(request_of(Department.MARKET_SUPERVISION)))
    issued = ok(await education.issue_notice(EDUCATION, SCHOOL, school(), notice()))
    ok(await education.refer(EDUCATION, issued.id, Department.MARKET_SUPERVISION, "fees", 1))
    ok(await market.accept(MARKET, issued.id, 2))
    failed(await market.accept(MARKET, issued.id, 2))  # refused: nothing written, nothing logged

    engine = create_sync_engine(hub_database_url)
    try:
        with engine.connect() as connection:
            events = connection.execute(
                select(AuditEvent.client_id, AuditEvent.record_keys).order_by(AuditEvent.seq)
            ).all()
            steps = connection.scalar(select(func.count()).select_from(CaseEvent))
        report = verify_chain(engine)
    finally:
        engine.dispose()

    changed = [f"changed:id:{issued.id}", f"changed:{SCHOOL}"]
    assert [(client, sorted(keys)) for client, keys in events] == [
        ("client-education", sorted(changed)),
        ("client-education", sorted(changed)),
        ("client-market_supervision", sorted(changed)),
    ]
    assert steps == 3
    assert report.intact
