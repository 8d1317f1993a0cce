"""Inspections: recorded by a department that took part, confirmed by each of
the others for its own findings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    DeclaredAttachment,
    InspectionKind,
    InspectionSubmission,
)
from xietong.cases.rules.common import (
    MAX_ITEMS,
    MAX_NAME,
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
from xietong.kernel.case_settings import DEFAULT_ATTACHMENT_BYTES, DEFAULT_CASE_ATTACHMENT_BYTES


@dataclass(frozen=True, slots=True)
class AttachmentLimits:
    """``XIETONG_CASE_ATTACHMENT_BYTES`` and ``XIETONG_CASE_ATTACHMENTS_PER_CASE_BYTES``."""

    per_file: int = DEFAULT_ATTACHMENT_BYTES
    per_case: int = DEFAULT_CASE_ATTACHMENT_BYTES


SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*")


def refusal_to_record_inspection(
    actor: Actor,
    institution: Located | None,
    inspection: InspectionSubmission,
    today: date,
    limits: AttachmentLimits = AttachmentLimits(),
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
    return not_future("inspectedOn", inspection.inspected_on, today) or refusal_of_attachments(
        inspection.attachments, limits
    )


def refusal_of_attachments(
    attachments: Sequence[DeclaredAttachment], limits: AttachmentLimits
) -> CaseFailure | None:
    """Declared attachments: named, typed, hashed, each and all within the limits."""
    field = "attachments"
    if len(attachments) > MAX_ITEMS:
        return fail(CaseErrorCode.TOO_LARGE, f"attachments: at most {MAX_ITEMS}", field)
    for attachment in attachments:
        refusal = text(field, attachment.name, MAX_NAME)
        if refusal is not None:
            return refusal
        if not MEDIA_TYPE.fullmatch(attachment.media_type) or len(attachment.media_type) > 100:
            return fail(
                CaseErrorCode.INVALID, f"{attachment.media_type!r} is not a media type", field
            )
        if not SHA256_HEX.fullmatch(attachment.sha256):
            return fail(CaseErrorCode.INVALID, "sha256 is 64 lowercase hex digits", field)
        if attachment.size < 1:
            return fail(CaseErrorCode.INVALID, f"{attachment.name} is empty", field)
        if attachment.size > limits.per_file:
            return fail(
                CaseErrorCode.TOO_LARGE,
                f"{attachment.name}: {attachment.size} bytes, over {limits.per_file} a file",
                field,
            )
    if len({a.sha256 for a in attachments}) < len(attachments):
        return fail(CaseErrorCode.INVALID, "the same file is declared twice", field)
    total = sum(a.size for a in attachments)
    if total > limits.per_case:
        return fail(CaseErrorCode.TOO_LARGE, f"{total} bytes, over {limits.per_case} a case", field)
    return None


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
