"""Tip-offs (举报): any department takes one as first contact; education decides
the reward for one that proved true."""

from __future__ import annotations

from decimal import Decimal

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    TipOffSubmission,
)
from xietong.cases.rules.common import (
    MAX_LONG_TEXT,
    MAX_NAME,
    Located,
    fail,
    kind_is,
    refusal_to_see,
    stale,
    text,
    unknown_institution,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department

REWARD_MIN = Decimal("200")


REWARD_MAX = Decimal("2000")
"""Rewards for a tip-off that proves true, in yuan (the seeds: ¥200-2,000)."""


REWARDING = Department.EDUCATION
"""The bureau that pays tip-off rewards."""


def refusal_to_submit(
    actor: Actor, institution: Located | None, tip_off: TipOffSubmission
) -> CaseFailure | None:
    """Any department takes a tip-off (first contact); auditors do not."""
    if institution is not None and not actor.scope.contains(institution.region):
        return fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "subject.creditCode",
        )
    if actor.department is Department.AUDIT:
        return fail(CaseErrorCode.NOT_PERMITTED, "auditors do not take tip-offs")
    if tip_off.credit_code is not None and institution is None:
        return unknown_institution(tip_off.credit_code, "subject.creditCode")
    if tip_off.credit_code is None and not (tip_off.name or "").strip():
        return fail(
            CaseErrorCode.INVALID,
            "name the operator: a credit code, or a name and an address",
            "subject",
        )
    refusal = text("content", tip_off.content, MAX_LONG_TEXT)
    for field, value in (
        ("subject.name", tip_off.name),
        ("subject.address", tip_off.address),
        ("reporter.name", tip_off.reporter.name if tip_off.reporter else None),
        ("reporter.phone", tip_off.reporter.phone if tip_off.reporter else None),
    ):
        if refusal is None and value is not None:
            refusal = text(field, value, MAX_NAME)
    return refusal


def refusal_to_reward(
    actor: Actor, case: CaseRecord, amount: Decimal, reason: str, expected_version: int
) -> CaseFailure | None:
    refusal = refusal_to_see(actor, case)
    if refusal is None and actor.department is not REWARDING:
        refusal = fail(
            CaseErrorCode.NOT_PERMITTED,
            f"rewards are decided by {REWARDING}, not {actor.department}",
        )
    refusal = refusal or kind_is(case, CaseKind.TIP_OFF)
    if refusal is None and not REWARD_MIN <= amount <= REWARD_MAX:
        refusal = fail(
            CaseErrorCode.INVALID,
            f"a reward is {REWARD_MIN}-{REWARD_MAX} yuan, not {amount}",
            "amount",
        )
    refusal = refusal or text("reason", reason)
    if refusal is None and "reward" in case.details:
        refusal = fail(CaseErrorCode.WRONG_STATE, "a reward is already decided for this tip-off")
    return refusal or stale(case, expected_version)
