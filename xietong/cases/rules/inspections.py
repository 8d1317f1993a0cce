"""Inspections: recorded by a department that took part, confirmed by each of
the others for its own findings."""

from __future__ import annotations

from datetime import date

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    InspectionKind,
    InspectionSubmission,
)
from xietong.cases.rules.common import (
    MAX_ITEMS,
    MAX_TEXT,
    Located,
    fail,
    kind_is,
    not_future,
    refusal_to_see,
    stale,
    still_open,
    text,
    unknown_institution,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department


def refusal_to_record_inspection(
    actor: Actor, institution: Located | None, inspection: InspectionSubmission, today: date
) -> CaseFailure | None:
    if institution is None:
        return unknown_institution(inspection.credit_code)
    if not actor.scope.contains(institution.region):
        return fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "creditCode",
        )
    departments = set(inspection.departments)
    if actor.department not in departments or Department.AUDIT in departments:
        return fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} records only inspections it took part in (not auditors)",
            "departments",
        )
    if inspection.kind is InspectionKind.JOINT and len(departments) < 2:
        return fail(
            CaseErrorCode.INVALID, "a joint inspection lists several departments", "departments"
        )
    if len(inspection.findings) > MAX_ITEMS:
        return fail(CaseErrorCode.TOO_LARGE, f"findings: at most {MAX_ITEMS}", "findings")
    for finding in inspection.findings:
        if finding.department not in departments:
            return fail(
                CaseErrorCode.INVALID,
                f"a finding of {finding.department}, which is not among the departments",
                "findings",
            )
        refusal = text("findings", finding.item) or text("findings", finding.result)
        if refusal is None and finding.note is not None and len(finding.note) > MAX_TEXT:
            refusal = fail(CaseErrorCode.TOO_LARGE, f"findings: at most {MAX_TEXT}", "findings")
        if refusal is not None:
            return refusal
    return not_future("inspectedOn", inspection.inspected_on, today)


def refusal_to_confirm(actor: Actor, case: CaseRecord, expected_version: int) -> CaseFailure | None:
    refusal = refusal_to_see(actor, case) or kind_is(case, CaseKind.INSPECTION)
    if refusal is None and actor.department.value not in case.details["departments"]:
        refusal = fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} did not take part in this inspection",
            "caseId",
        )
    if refusal is None and actor.department.value in case.details["confirmedBy"]:
        refusal = fail(
            CaseErrorCode.WRONG_STATE, f"{actor.department} has already confirmed its findings"
        )
    return refusal or still_open(case) or stale(case, expected_version)
