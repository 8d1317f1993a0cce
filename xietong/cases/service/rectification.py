"""Rectification notices: issue, record the response, review it."""

from __future__ import annotations

import uuid
from datetime import date

from xietong.audit.in_transaction import audited
from xietong.cases import store
from xietong.cases.numbering import notice_number
from xietong.cases.records import (
    CaseAction,
    CaseKind,
    CaseStatus,
    RectificationNotice,
)
from xietong.cases.rules import (
    Located,
    refusal_to_issue,
    refusal_to_respond,
    refusal_to_review,
    unknown_case,
    unknown_institution,
)
from xietong.cases.service.core import CaseCore, CaseResult, new_case
from xietong.domain.actors import Actor


class RectificationSteps(CaseCore):
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
            case = new_case(
                actor,
                case_id,
                CaseKind.RECTIFICATION,
                status=CaseStatus.ISSUED,
                credit_code=credit_code,
                region=institution.region,
                details=details,
                at=now,
                number=notice_number(self._prefixes, actor.department, today.year, seq),
            )
            await self.add_opened(session, actor, case, CaseAction.ISSUED)
            return await self.stored(session, case_id)

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
        changed = self.next_version(case, status=CaseStatus.RESPONDED, details=details)
        return await self.change(
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
        changed = self.next_version(
            case,
            status=status,
            details=details,
            closed_at=self._clock() if accepted else None,
            outcome=note if accepted else None,
        )
        action = CaseAction.ACCEPTED if accepted else CaseAction.REJECTED
        return await self.change(actor, case, expected_version, changed, action, note)
