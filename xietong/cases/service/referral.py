"""Referral: hand a case to another department, accept or return it, close it."""

from __future__ import annotations

from xietong.cases.live import AssignmentReason
from xietong.cases.records import (
    CaseAction,
    CaseStatus,
)
from xietong.cases.rules import (
    refusal_to_answer,
    refusal_to_close,
    refusal_to_refer,
    unknown_case,
)
from xietong.cases.service.core import CaseCore, CaseResult
from xietong.domain.actors import Actor
from xietong.domain.departments import Department


class ReferralSteps(CaseCore):
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
        changed = self.next_version(
            case,
            assigned_to=to,
            referred_by=actor.department,
            answer_due=self._calendar.add_working_days(self._today(), self._referral_days),
            involved=involved,
        )
        return await self.change(
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
        changed = self.next_version(
            case, responsible=actor.department, referred_by=None, answer_due=None
        )
        return await self.change(
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
        changed = self.next_version(
            case, assigned_to=case.responsible, referred_by=None, answer_due=None
        )
        return await self.change(
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
        changed = self.next_version(
            case, status=CaseStatus.CLOSED, closed_at=self._clock(), outcome=outcome
        )
        return await self.change(actor, case, expected_version, changed, CaseAction.CLOSED, outcome)
