"""The case workflow: issue a rectification notice, record the institution's
response, review it; refer a case, accept or return the referral, close it
(DESIGN §13).

Each change reads the case, asks ``rules`` whether the actor may make it, and
writes in one short transaction that starts with the compare-and-set on
``version`` (``store``), adds the step to the case's timeline and ends with the
request's access-log event (``xietong.audit.in_transaction``): a change is
committed with its timeline step and its event, or not at all. Refusals are
returned as ``CaseFailure`` values.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.audit.in_transaction import WriteEvent, audited
from xietong.auth.clock import Clock, utc_now
from xietong.cases import confidential, store
from xietong.cases.calendar import WorkingCalendar
from xietong.cases.live import AssignmentReason, assignment
from xietong.cases.numbering import notice_number
from xietong.cases.records import (
    FINAL,
    CaseAction,
    CaseFailure,
    CaseFilter,
    CaseKind,
    CaseRecord,
    CaseStatus,
    ComplaintSubmission,
    InspectionSubmission,
    Mediation,
    MediationOutcome,
    RectificationNotice,
    Reporter,
    TimelineEntry,
    TipOffSubmission,
)
from xietong.cases.rules import (
    Located,
    refusal_to_answer,
    refusal_to_close,
    refusal_to_confirm,
    refusal_to_issue,
    refusal_to_mediate,
    refusal_to_open_complaint,
    refusal_to_record_inspection,
    refusal_to_refer,
    refusal_to_respond,
    refusal_to_review,
    refusal_to_reward,
    refusal_to_submit,
    unknown_case,
    unknown_institution,
    version_conflict,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.kernel.case_settings import CaseSettings
from xietong.kernel.live_bus import LiveBus

CaseResult = CaseRecord | CaseFailure


class _LostRace(Exception):
    """The case moved on between reading it and writing: undo and say so."""


class CaseService:
    """The workflow over the hub database.

    Example::

        cases = CaseService(hub.sessions, hub.settings.cases, today=hub.today,
                            event=WriteEvent(draft))
        notice = await cases.issue_notice(actor, "91410204MA9F1A2B3C", institution,
                                          RectificationNotice(basis, items, deadline))
        if isinstance(notice, CaseFailure): ...   # notice.code says why
        notice.number                             # '汴教整改〔2026〕31号'
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: CaseSettings,
        *,
        today: Callable[[], date],
        clock: Clock = utc_now,
        event: WriteEvent | None = None,
        live: LiveBus | None = None,
    ) -> None:
        """``today``: the date deadlines are judged on (the hub's, in China);
        ``event``: the access-log event each change commits with (a request's);
        ``live``: where a case assigned to a department is announced."""
        self._sessions = sessions
        self._prefixes: Mapping[str, str] = settings.notice_prefixes
        self._referral_days = settings.referral_days
        self._calendar = WorkingCalendar(settings.holidays, settings.workdays)
        self._today = today
        self._clock = clock
        self._event = event
        self._live = live

    async def get(self, case_id: str) -> CaseRecord | None:
        async with self._sessions() as session:
            return await store.load_case(session, case_id)

    async def page(
        self,
        *,
        region_prefix: str,
        where: CaseFilter,
        after: store.PageKey | None,
        limit: int,
    ) -> tuple[list[CaseRecord], int]:
        async with self._sessions() as session:
            return await store.cases_page(
                session,
                region_prefix=region_prefix,
                where=where,
                today=self._today(),
                after=after,
                limit=limit,
            )

    async def issue_notice(
        self,
        actor: Actor,
        credit_code: str,
        institution: Located | None,
        notice: RectificationNotice,
    ) -> CaseResult:
        """Serve a rectification notice on ``institution``, numbered in the issuing
        department's sequence for this year."""
        if institution is None:
            return unknown_institution(credit_code)
        today = self._today()
        refusal = refusal_to_issue(actor, institution, notice, today, self._prefixes)
        if refusal is not None:
            return refusal
        case_id = str(uuid.uuid4())
        now = self._clock()
        details = {
            "issuedOn": today.isoformat(),
            "basis": notice.basis,
            "items": list(notice.items),
            "deadline": notice.deadline.isoformat(),
        }
        async with audited(
            self._sessions, self._event, changed=[f"id:{case_id}", credit_code]
        ) as session:
            seq = await store.next_number(session, actor.department, today.year)
            case = CaseRecord(
                id=case_id,
                kind=CaseKind.RECTIFICATION,
                status=CaseStatus.ISSUED,
                credit_code=credit_code,
                region=institution.region,
                number=notice_number(self._prefixes, actor.department, today.year, seq),
                opened_by_department=actor.department,
                responsible=actor.department,
                assigned_to=actor.department,
                referred_by=None,
                answer_due=None,
                involved=(actor.department,),
                details=details,
                version=1,
                opened_by=actor.subject,
                opened_at=now,
                updated_at=now,
                closed_at=None,
                outcome=None,
            )
            await store.add_case(session, case)
            await store.add_event(
                session, case_id, self._step(actor, CaseAction.ISSUED, CaseStatus.ISSUED, None)
            )
        found = await self.get(case_id)
        assert found is not None, "cases are never deleted"
        return found

    async def submit_tip_off(
        self, actor: Actor, institution: Located | None, tip_off: TipOffSubmission
    ) -> CaseResult:
        """Take a tip-off: the actor's department is its first contact, responsible
        until it refers the case and the other accepts (首接负责制)."""
        refusal = refusal_to_submit(actor, institution, tip_off)
        if refusal is not None:
            return refusal
        case_id = str(uuid.uuid4())
        now = self._clock()
        details: dict[str, Any] = {
            "receivedOn": self._today().isoformat(),
            "category": tip_off.category.value,
            "channel": tip_off.channel.value,
            "content": tip_off.content,
            "subjectName": tip_off.name,
            "subjectAddress": tip_off.address,
            "concerns": sorted({concern.value for concern in tip_off.concerns}),
        }
        keys = [f"id:{case_id}", *([tip_off.credit_code] if tip_off.credit_code else [])]
        async with audited(self._sessions, self._event, changed=keys) as session:
            if tip_off.reporter is not None:
                details["reporter"] = await confidential.seal(session, case_id, tip_off.reporter)
            case = CaseRecord(
                id=case_id,
                kind=CaseKind.TIP_OFF,
                status=CaseStatus.OPEN,
                credit_code=tip_off.credit_code,
                region=institution.region if institution is not None else actor.region,
                number=None,
                opened_by_department=actor.department,
                responsible=actor.department,
                assigned_to=actor.department,
                referred_by=None,
                answer_due=None,
                involved=(actor.department,),
                details=details,
                version=1,
                opened_by=actor.subject,
                opened_at=now,
                updated_at=now,
                closed_at=None,
                outcome=None,
            )
            await store.add_case(session, case)
            step = self._step(actor, CaseAction.SUBMITTED, CaseStatus.OPEN, None)
            await store.add_event(session, case_id, step)
        found = await self.get(case_id)
        assert found is not None, "cases are never deleted"
        return found

    async def open_complaint(
        self, actor: Actor, institution: Located | None, complaint: ComplaintSubmission
    ) -> CaseResult:
        """Open a refund complaint: the actor's department is its first contact."""
        refusal = refusal_to_open_complaint(actor, institution, complaint)
        if refusal is not None:
            return refusal
        assert institution is not None, "refusal_to_open_complaint checked it"
        details: dict[str, Any] = {
            "receivedOn": self._today().isoformat(),
            "content": complaint.content,
            "amountClaimed": f"{complaint.amount_claimed:.2f}",
            "channel": complaint.channel.value,
        }
        return await self._open(
            actor,
            CaseKind.COMPLAINT,
            institution.credit_code,
            institution.region,
            details,
            CaseAction.COMPLAINT_OPENED,
        )

    async def record_mediation(
        self, actor: Actor, case_id: str, mediation: Mediation, expected_version: int
    ) -> CaseResult:
        """The mediation's outcome; a settlement closes the case with the refund."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_mediate(actor, case, mediation, expected_version)
        if refusal is not None:
            return refusal
        settled = mediation.outcome is MediationOutcome.SETTLED
        record = {
            "outcome": mediation.outcome.value,
            "amountRefunded": f"{mediation.amount_refunded:.2f}",
            "note": mediation.note,
            "mediatedOn": self._today().isoformat(),
            "department": actor.department.value,
        }
        changed = self._next(
            case,
            details={**case.details, "mediation": record},
            status=CaseStatus.CLOSED if settled else case.status,
            closed_at=self._clock() if settled else None,
            outcome=mediation.note if settled else None,
        )
        return await self._change(
            actor, case, expected_version, changed, CaseAction.MEDIATED, mediation.note
        )

    async def record_inspection(
        self, actor: Actor, institution: Located | None, inspection: InspectionSubmission
    ) -> CaseResult:
        """Record an inspection and its findings; the recording department's findings
        count as confirmed, each other department confirms its own."""
        refusal = refusal_to_record_inspection(actor, institution, inspection, self._today())
        if refusal is not None:
            return refusal
        assert institution is not None, "refusal_to_record_inspection checked it"
        departments = sorted({d.value for d in inspection.departments})
        details: dict[str, Any] = {
            "inspectedOn": inspection.inspected_on.isoformat(),
            "inspectionKind": inspection.kind.value,
            "departments": departments,
            "findings": [
                {
                    "department": f.department.value,
                    "item": f.item,
                    "result": f.result,
                    "note": f.note,
                }
                for f in inspection.findings
            ],
            "confirmedBy": [actor.department.value],
        }
        return await self._open(
            actor,
            CaseKind.INSPECTION,
            institution.credit_code,
            institution.region,
            details,
            CaseAction.INSPECTION_RECORDED,
            involved=tuple(Department(d) for d in departments),
            status=CaseStatus.CONFIRMED if departments == [actor.department.value] else None,
        )

    async def confirm_findings(
        self, actor: Actor, case_id: str, expected_version: int
    ) -> CaseResult:
        """The actor's department confirms its findings; the last one makes it CONFIRMED."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_confirm(actor, case, expected_version)
        if refusal is not None:
            return refusal
        confirmed = sorted({*case.details["confirmedBy"], actor.department.value})
        done = set(confirmed) >= set(case.details["departments"])
        changed = self._next(
            case,
            details={**case.details, "confirmedBy": confirmed},
            status=CaseStatus.CONFIRMED if done else case.status,
            closed_at=self._clock() if done else None,
        )
        return await self._change(
            actor, case, expected_version, changed, CaseAction.FINDINGS_CONFIRMED, None
        )

    async def _open(
        self,
        actor: Actor,
        kind: CaseKind,
        credit_code: str,
        region: str,
        details: dict[str, Any],
        action: CaseAction,
        *,
        involved: tuple[Department, ...] | None = None,
        status: CaseStatus | None = None,
    ) -> CaseResult:
        case_id = str(uuid.uuid4())
        now = self._clock()
        case = CaseRecord(
            id=case_id,
            kind=kind,
            status=status or CaseStatus.OPEN,
            credit_code=credit_code,
            region=region,
            number=None,
            opened_by_department=actor.department,
            responsible=actor.department,
            assigned_to=actor.department,
            referred_by=None,
            answer_due=None,
            involved=involved or (actor.department,),
            details=details,
            version=1,
            opened_by=actor.subject,
            opened_at=now,
            updated_at=now,
            closed_at=now if status in FINAL else None,
            outcome=None,
        )
        async with audited(
            self._sessions, self._event, changed=[f"id:{case_id}", credit_code]
        ) as session:
            await store.add_case(session, case)
            await store.add_event(session, case_id, self._step(actor, action, case.status, None))
        found = await self.get(case_id)
        assert found is not None, "cases are never deleted"
        return found

    async def decide_reward(
        self, actor: Actor, case_id: str, amount: Decimal, reason: str, expected_version: int
    ) -> CaseResult:
        """Education's reward for a tip-off that proved true (200-2,000 yuan), once."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_reward(actor, case, amount, reason, expected_version)
        if refusal is not None:
            return refusal
        reward = {
            "amount": f"{amount:.2f}",
            "reason": reason,
            "decidedOn": self._today().isoformat(),
            "decidedBy": actor.subject,
        }
        changed = self._next(case, details={**case.details, "reward": reward})
        return await self._change(
            actor, case, expected_version, changed, CaseAction.REWARD_DECIDED, f"{amount:.2f}"
        )

    async def reporter(self, case: CaseRecord) -> Reporter | None:
        """The tip-off's reporter, opened (the caller has checked who may read it)."""
        sealed = case.details.get("reporter")
        if sealed is None:
            return None
        async with self._sessions() as session:
            return await confidential.open_sealed(session, case.id, sealed)

    async def record_response(
        self, actor: Actor, case_id: str, response: str, expected_version: int
    ) -> CaseResult:
        """Record the institution's answer to a notice (ISSUED or REJECTED → RESPONDED)."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_respond(actor, case, response, expected_version)
        if refusal is not None:
            return refusal
        details = {**case.details, "response": response, "respondedOn": self._today().isoformat()}
        changed = self._next(case, status=CaseStatus.RESPONDED, details=details)
        return await self._change(
            actor, case, expected_version, changed, CaseAction.RESPONDED, response
        )

    async def review_rectification(
        self,
        actor: Actor,
        case_id: str,
        *,
        accepted: bool,
        note: str,
        follow_up_on: date,
        expected_version: int,
    ) -> CaseResult:
        """Accept or reject a response after a follow-up inspection on ``follow_up_on``."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_review(
            actor, case, note, follow_up_on, self._today(), expected_version
        )
        if refusal is not None:
            return refusal
        status = CaseStatus.ACCEPTED if accepted else CaseStatus.REJECTED
        details = {**case.details, "followUpInspectedOn": follow_up_on.isoformat()}
        changed = self._next(
            case,
            status=status,
            details=details,
            closed_at=self._clock() if accepted else None,
            outcome=note if accepted else None,
        )
        action = CaseAction.ACCEPTED if accepted else CaseAction.REJECTED
        return await self._change(actor, case, expected_version, changed, action, note)

    async def refer(
        self, actor: Actor, case_id: str, to: Department, note: str, expected_version: int
    ) -> CaseResult:
        """Hand the case to ``to``, which has the configured working days to answer;
        the actor's department stays responsible until it accepts."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_refer(actor, case, to, note, expected_version)
        if refusal is not None:
            return refusal
        involved = case.involved if to in case.involved else (*case.involved, to)
        changed = self._next(
            case,
            assigned_to=to,
            referred_by=actor.department,
            answer_due=self._calendar.add_working_days(self._today(), self._referral_days),
            involved=involved,
        )
        return await self._change(
            actor,
            case,
            expected_version,
            changed,
            CaseAction.REFERRED,
            f"→ {to}: {note}",
            announce=AssignmentReason.REFERRED,
        )

    async def accept(self, actor: Actor, case_id: str, expected_version: int) -> CaseResult:
        """Take the referred case: the accepting department is now responsible."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_answer(actor, case, None, expected_version)
        if refusal is not None:
            return refusal
        changed = self._next(case, responsible=actor.department, referred_by=None, answer_due=None)
        return await self._change(
            actor, case, expected_version, changed, CaseAction.REFERRAL_ACCEPTED, None
        )

    async def return_case(
        self, actor: Actor, case_id: str, reason: str, expected_version: int
    ) -> CaseResult:
        """Send the referred case back to the department responsible, saying why."""
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_answer(actor, case, reason, expected_version)
        if refusal is not None:
            return refusal
        changed = self._next(case, assigned_to=case.responsible, referred_by=None, answer_due=None)
        return await self._change(
            actor,
            case,
            expected_version,
            changed,
            CaseAction.RETURNED,
            reason,
            announce=AssignmentReason.RETURNED,
        )

    async def close(
        self, actor: Actor, case_id: str, outcome: str, expected_version: int
    ) -> CaseResult:
        case = await self.get(case_id)
        if case is None:
            return unknown_case(case_id)
        refusal = refusal_to_close(actor, case, outcome, expected_version)
        if refusal is not None:
            return refusal
        changed = self._next(
            case, status=CaseStatus.CLOSED, closed_at=self._clock(), outcome=outcome
        )
        return await self._change(
            actor, case, expected_version, changed, CaseAction.CLOSED, outcome
        )

    def _next(self, case: CaseRecord, **changes: Any) -> CaseRecord:
        return dataclasses.replace(
            case, version=case.version + 1, updated_at=self._clock(), **changes
        )

    def _step(
        self, actor: Actor, action: CaseAction, status: CaseStatus, note: str | None
    ) -> TimelineEntry:
        return TimelineEntry(
            at=self._clock(),
            action=action,
            status=status,
            department=actor.department,
            subject=actor.subject,
            client_id=actor.client_id,
            note=note,
        )

    async def _change(
        self,
        actor: Actor,
        case: CaseRecord,
        expected_version: int,
        changed: CaseRecord,
        action: CaseAction,
        note: str | None,
        *,
        announce: AssignmentReason | None = None,
    ) -> CaseResult:
        """``announce``: the change assigns the case to a department, which hears of
        it live (sent with the commit, never for a change that did not happen)."""
        keys = [f"id:{case.id}", *([case.credit_code] if case.credit_code else [])]
        news = assignment(changed, announce, changed.updated_at).event() if announce else None
        try:
            async with audited(self._sessions, self._event, changed=keys) as session:
                if not await store.compare_and_set(session, case, expected_version, changed):
                    raise _LostRace
                await store.add_event(
                    session, case.id, self._step(actor, action, changed.status, note)
                )
                if news is not None and self._live is not None:
                    await self._live.publish_in(session, news)
        except _LostRace:
            current = await self.get(case.id)
            return version_conflict(expected_version, current.version if current else None)
        if news is not None and self._live is not None:
            await self._live.publish_after(news)
        found = await self.get(case.id)
        assert found is not None, "cases are never deleted"
        return found
