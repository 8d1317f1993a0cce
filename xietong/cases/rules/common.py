"""What every case rule shares: the limits of input, the refusals, and the checks
that run first (who may see or handle a case, its kind, its state, its version).

Checks run from the most basic to the most transient, as the review rules do: an
unknown case is NOT_FOUND, one outside the actor's region OUT_OF_SCOPE, one the
actor's department has no part in NOT_PERMITTED, then the input (INVALID,
TOO_LARGE), the state (WRONG_STATE), and a stale ``expectedVersion``
(VERSION_CONFLICT) only when nothing else is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from xietong.cases.records import (
    FINAL,
    CaseErrorCode,
    CaseFailure,
    CaseKind,
    CaseRecord,
    CaseStatus,
)
from xietong.domain.actors import Actor
from xietong.domain.departments import Department

MAX_TEXT = 2_000
"""A basis, an item, a note, a reason."""


MAX_LONG_TEXT = 20_000
"""An institution's response, an outcome."""


MAX_ITEMS = 50


MAX_AMOUNT = Decimal("100000000")
"""A claim or refund, in yuan: anything larger is a typing error."""


MAX_NAME = 200
"""A name, an address, a phone number."""


class Located(Protocol):
    """An institution as the workflow needs it (``domain.records.Institution`` is one)."""

    @property
    def credit_code(self) -> str: ...
    @property
    def region(self) -> str: ...


def fail(code: CaseErrorCode, message: str, field: str | None = None) -> CaseFailure:
    return CaseFailure(code, message, field)


def unknown_institution(credit_code: str, field: str = "creditCode") -> CaseFailure:
    return fail(
        CaseErrorCode.NOT_FOUND, f"the education bureau knows no institution {credit_code}", field
    )


def unknown_case(case_id: str) -> CaseFailure:
    return fail(CaseErrorCode.NOT_FOUND, f"no case {case_id}", "caseId")


def amount_in_range(field: str, amount: Decimal) -> CaseFailure | None:
    if not amount.is_finite() or amount < 0:
        return fail(CaseErrorCode.INVALID, f"{field} must be a positive amount", field)
    if amount > MAX_AMOUNT:
        return fail(CaseErrorCode.TOO_LARGE, f"{field}: at most {MAX_AMOUNT} yuan", field)
    return None


def refusal_to_see(actor: Actor, case: CaseRecord) -> CaseFailure | None:
    if not actor.scope.contains(case.region):
        return fail(
            CaseErrorCode.OUT_OF_SCOPE,
            f"case {case.id} is of an institution outside region {actor.region}",
            "caseId",
        )
    if not case.visible_to(actor.department) or actor.department is Department.AUDIT:
        return fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{actor.department} has no part in case {case.id}",
            "caseId",
        )
    return None


def refusal_to_handle(actor: Actor, case: CaseRecord) -> CaseFailure | None:
    """Only the department responsible for a case acts on it (首接负责制)."""
    refusal = refusal_to_see(actor, case)
    if refusal is None and actor.department is not case.responsible:
        refusal = fail(
            CaseErrorCode.NOT_PERMITTED,
            f"{case.responsible} is responsible for case {case.id}, not {actor.department}",
            "caseId",
        )
    return refusal


def kind_is(case: CaseRecord, kind: CaseKind) -> CaseFailure | None:
    if case.kind is kind:
        return None
    return fail(CaseErrorCode.WRONG_STATE, f"case {case.id} is a {case.kind}, not a {kind}")


def state_in(case: CaseRecord, allowed: Sequence[CaseStatus], doing: str) -> CaseFailure | None:
    if case.status in allowed:
        return None
    expected = " or ".join(allowed)
    return fail(
        CaseErrorCode.WRONG_STATE,
        f"cannot {doing} a case that is {case.status} (it must be {expected})",
    )


def still_open(case: CaseRecord) -> CaseFailure | None:
    if case.status not in FINAL:
        return None
    return fail(CaseErrorCode.WRONG_STATE, f"case {case.id} is {case.status} and final")


def text(field: str, value: str, limit: int = MAX_TEXT) -> CaseFailure | None:
    if not value.strip():
        return fail(CaseErrorCode.INVALID, f"{field} is empty", field)
    if len(value) > limit:
        return fail(CaseErrorCode.TOO_LARGE, f"{field}: at most {limit} characters", field)
    return None


def item_list(items: Sequence[str]) -> CaseFailure | None:
    if not items:
        return fail(CaseErrorCode.INVALID, "a notice lists at least one item", "items")
    if len(items) > MAX_ITEMS:
        return fail(CaseErrorCode.TOO_LARGE, f"items: at most {MAX_ITEMS}", "items")
    return next((f for f in (text("items", item) for item in items) if f is not None), None)


def future(field: str, day: date, today: date) -> CaseFailure | None:
    if day > today:
        return None
    return fail(CaseErrorCode.INVALID, f"{field} {day} is not after today ({today})", field)


def not_future(field: str, day: date, today: date) -> CaseFailure | None:
    if day <= today:
        return None
    return fail(CaseErrorCode.INVALID, f"{field} {day} is after today ({today})", field)


def stale(case: CaseRecord, expected_version: int) -> CaseFailure | None:
    if case.version == expected_version:
        return None
    return version_conflict(expected_version, case.version)


def version_conflict(expected_version: int, current: int | None = None) -> CaseFailure:
    now = f" (it is now at version {current})" if current is not None else ""
    return fail(
        CaseErrorCode.VERSION_CONFLICT,
        f"the case changed since version {expected_version}{now}: read it again and retry",
        "expectedVersion",
    )
