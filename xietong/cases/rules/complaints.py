"""Refund complaints (退费投诉): opened by whoever receives them (首接负责制),
mediated by the department responsible."""

from __future__ import annotations

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    ComplaintSubmission,
    Mediation,
)
from xietong.cases.rules.common import (
    MAX_LONG_TEXT,
    Located,
    amount_in_range,
    fail,
    kind_is,
    refusal_to_handle,
    stale,
    still_open,
    text,
    unknown_institution,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department


def refusal_to_open_complaint(
    actor: Actor, institution: Located | None, complaint: ComplaintSubmission
) -> CaseFailure | None:
    """Whoever receives a refund complaint opens it and is responsible for it until
    a department it is referred to accepts it (首接负责制); auditors do not."""
    if institution is None:
        return unknown_institution(complaint.credit_code)
    if not actor.scope.contains(institution.region):
        return fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "creditCode",
        )
    if actor.department is Department.AUDIT:
        return fail(CaseErrorCode.NOT_PERMITTED, "auditors do not take complaints")
    return text("content", complaint.content, MAX_LONG_TEXT) or amount_in_range(
        "amountClaimed", complaint.amount_claimed
    )


def refusal_to_mediate(
    actor: Actor, case: CaseRecord, mediation: Mediation, expected_version: int
) -> CaseFailure | None:
    refusal = (
        refusal_to_handle(actor, case)
        or kind_is(case, CaseKind.COMPLAINT)
        or text("note", mediation.note)
        or amount_in_range("amountRefunded", mediation.amount_refunded)
        or still_open(case)
    )
    if refusal is None and case.referral_pending:
        refusal = fail(
            CaseErrorCode.WRONG_STATE,
            f"the case waits for {case.assigned_to} to answer its referral",
        )
    return refusal or stale(case, expected_version)
