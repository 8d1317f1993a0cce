"""Rectification notices (整改通知书): who serves them, the institution's response,
the issuer's review after a follow-up inspection."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from xietong.cases.records import (
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    CaseStatus,
    RectificationNotice,
)
from xietong.cases.rules.common import (
    MAX_LONG_TEXT,
    Located,
    fail,
    future,
    item_list,
    kind_is,
    not_future,
    refusal_to_handle,
    stale,
    state_in,
    text,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department

NOTICE_ISSUERS = frozenset(
    {Department.EDUCATION, Department.MARKET_SUPERVISION, Department.FIRE_SAFETY}
)
"""The bureaus that serve rectification notices on training institutions."""


def refusal_to_issue(
    actor: Actor,
    institution: Located,
    notice: RectificationNotice,
    today: date,
    prefixes: Mapping[str, str],
) -> CaseFailure | None:
    if not actor.scope.contains(institution.region):
        return fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"institution {institution.credit_code} is outside region {actor.region}",
            "creditCode",
        )
    if actor.department not in NOTICE_ISSUERS:
        issuers = ", ".join(sorted(NOTICE_ISSUERS))
        return fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} does not issue rectification notices (issuers: {issuers})",
        )
    if actor.department.value not in prefixes:
        return fail(
            CaseErrorCode.NOT_PERMITTED,
            f"no notice abbreviation is configured for {actor.department} "
            "(XIETONG_CASE_NOTICE_PREFIXES)",
        )
    return (
        text("basis", notice.basis)
        or item_list(notice.items)
        or future("deadline", notice.deadline, today)
    )


def refusal_to_respond(
    actor: Actor, case: CaseRecord, response: str, expected_version: int
) -> CaseFailure | None:
    refusal = (
        refusal_to_handle(actor, case)
        or kind_is(case, CaseKind.RECTIFICATION)
        or text("response", response, MAX_LONG_TEXT)
        or state_in(case, (CaseStatus.ISSUED, CaseStatus.REJECTED), "record a response to")
    )
    return refusal or stale(case, expected_version)


def refusal_to_review(
    actor: Actor,
    case: CaseRecord,
    note: str,
    follow_up_on: date,
    today: date,
    expected_version: int,
) -> CaseFailure | None:
    refusal = (
        refusal_to_handle(actor, case)
        or kind_is(case, CaseKind.RECTIFICATION)
        or text("note", note)
        or not_future("followUpInspectedOn", follow_up_on, today)
        or state_in(case, (CaseStatus.RESPONDED,), "review")
    )
    return refusal or stale(case, expected_version)
