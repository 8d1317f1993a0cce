"""Inspections: record one with its findings; each department confirms its own."""

from __future__ import annotations

from typing import Any

from xietong.cases.records import (
    CaseAction,
    CaseKind,
    CaseStatus,
    InspectionSubmission,
)
from xietong.cases.rules import (
    Located,
    refusal_to_confirm,
    refusal_to_record_inspection,
    unknown_case,
)
from xietong.cases.service.core import CaseCore, CaseResult
from xietong.domain.actors import Actor
from xietong.domain.departments import Department


class InspectionSteps(CaseCore):
    async def record_inspection(
        self, actor: Actor, institution: Located | None, inspection: InspectionSubmission
    ) -> CaseResult:
        """Record an inspection and its findings; the recording department's findings
        count as confirmed, each other department confirms its own."""
        refusal = refusal_to_record_inspection(
            actor, institution, inspection, self._today(), self._attachment_limits
        )
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
            "attachments": [
                {"name": a.name, "mediaType": a.media_type, "sha256": a.sha256, "size": a.size}
                for a in inspection.attachments
            ],
        }
        return await self.open_case(
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
        changed = self.next_version(
            case,
            details={**case.details, "confirmedBy": confirmed},
            status=CaseStatus.CONFIRMED if done else case.status,
            closed_at=self._clock() if done else None,
        )
        return await self.change(
            actor, case, expected_version, changed, CaseAction.FINDINGS_CONFIRMED, None
        )
