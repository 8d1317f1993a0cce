"""Refund complaints: open one (first contact), record its mediation."""

from __future__ import annotations

from typing import Any

from xietong.cases.records import (
    CaseAction,
    CaseKind,
    CaseStatus,
    ComplaintSubmission,
    Mediation,
    MediationOutcome,
)
from xietong.cases.rules import (
    Located,
    refusal_to_mediate,
    refusal_to_open_complaint,
    unknown_case,
)
from xietong.cases.service.core import CaseCore, CaseResult
from xietong.domain.actors import Actor


class ComplaintSteps(CaseCore):
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
        return await self.open_case(
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
        changed = self.next_version(
            case,
            details={**case.details, "mediation": record},
            status=CaseStatus.CLOSED if settled else case.status,
            closed_at=self._clock() if settled else None,
            outcome=mediation.note if settled else None,
        )
        return await self.change(
            actor, case, expected_version, changed, CaseAction.MEDIATED, mediation.note
        )
