"""Referral between departments: refer, accept or return, close."""

from __future__ import annotations

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseRecord,
)
from xietong.cases.rules.common import (
    MAX_LONG_TEXT,
    fail,
    refusal_to_handle,
    refusal_to_see,
    stale,
    still_open,
    text,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department

REFERRAL_TARGETS = frozenset(Department) - {Department.AUDIT}
"""Auditors look at cases; they are never handed one."""


def refusal_to_refer(
    actor: Actor, case: CaseRecord, to: Department, note: str, expected_version: int
) -> CaseFailure | None:
    refusal = refusal_to_handle(actor, case)
    if refusal is None and to not in REFERRAL_TARGETS:
        refusal = fail(CaseErrorCode.INVALID, f"a case cannot be referred to {to}", "to")
    if refusal is None and to is actor.department:
        refusal = fail(CaseErrorCode.INVALID, "a case cannot be referred to its own holder", "to")
    refusal = refusal or text("note", note) or still_open(case)
    if refusal is None and case.referral_pending:
        refusal = fail(
            CaseErrorCode.WRONG_STATE,
            f"the case is already referred to {case.assigned_to}, waiting for its answer",
        )
    return refusal or stale(case, expected_version)


def refusal_to_answer(
    actor: Actor, case: CaseRecord, reason: str | None, expected_version: int
) -> CaseFailure | None:
    """Accepting (``reason`` None) or returning a referral: its target's call."""
    refusal = refusal_to_see(actor, case)
    if refusal is None and not (case.referral_pending and actor.department is case.assigned_to):
        refusal = fail(
            CaseErrorCode.NOT_PERMITTED
            if actor.department is not case.assigned_to
            else CaseErrorCode.WRONG_STATE,
            f"the case has no referral to {actor.department} waiting for an answer",
        )
    if refusal is None and reason is not None:
        refusal = text("reason", reason)
    return refusal or still_open(case) or stale(case, expected_version)


def refusal_to_close(
    actor: Actor, case: CaseRecord, outcome: str, expected_version: int
) -> CaseFailure | None:
    refusal = refusal_to_handle(actor, case) or text("outcome", outcome, MAX_LONG_TEXT)
    refusal = refusal or still_open(case)
    if refusal is None and case.referral_pending:
        refusal = fail(
            CaseErrorCode.WRONG_STATE,
            f"the case waits for {case.assigned_to} to answer its referral",
        )
    return refusal or stale(case, expected_version)
